// Replaced by the module implementation.
