resource "x" "y" {
  a = "unterminated
}
