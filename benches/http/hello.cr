# The Crystal peer of the http benchmark: HTTP::Server answering every request with the
# same 13-byte body, keep-alive on (the default). Usage: hello PORT
require "http/server"

port = (ARGV[0]? || "8080").to_i
server = HTTP::Server.new do |context|
  context.response.content_type = "text/plain"
  context.response.print "Hello, World!"
end
server.bind_tcp "127.0.0.1", port
puts "listening on 127.0.0.1:#{port}"
STDOUT.flush
server.listen
