# -*- encoding: utf-8 -*-
# stub: computed 0.0.1 ruby lib

Gem::Specification.new do |s|
  s.name = "computed".freeze
  s.version = Computed::VERSION
  s.licenses = ["Apache-2.0".freeze, "MIT".freeze]
end
