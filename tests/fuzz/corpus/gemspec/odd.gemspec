Gem::Specification.new do |s|
  s.name = Gem::Version.new(Gem::Version.new("x"))
  s.version = %q<1.0
  s.licenses = ["a", %w[b]]
end
