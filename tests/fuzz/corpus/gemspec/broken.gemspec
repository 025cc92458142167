Gem::Specification.new do |s|
  s.name = "broken#{suffix}"
  s.summary = "no version here"
end
