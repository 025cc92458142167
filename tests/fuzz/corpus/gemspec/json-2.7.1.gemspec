# stub: json 2.7.1 ruby lib
Gem::Specification.new do |spec|
  spec.name = 'json'
  spec.version = Gem::Version.new("2.7.1")
  spec.licenses = %w[Ruby BSD-2-Clause]
end
