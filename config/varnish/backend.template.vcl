# The application server Varnish sends requests to: granian on 127.0.0.1:BACKEND_PORT; and
# Varnish's own assembly socket, where a page with per-reader values is kept as the
# application sent it (default.vcl says why). default.vcl includes this file as
# "backend.vcl", found on varnishd's vcl_path (not next to default.vcl, where it would win):
# make serve (config/serve.py) writes it with the port and the socket it chose as
# var/varnish/backend.vcl and runs varnishd with
# `-p vcl_path=$PWD/var/varnish:$PWD/config/varnish` and
# `-a assembly=$PWD/var/varnish/assembly.sock,HTTP,mode=666`; by hand, do the same.
backend default {
    .host = "127.0.0.1";
    .port = "8001";
    .connect_timeout = 1s;
    # The application answers within its own request deadline; this is only a backstop.
    .first_byte_timeout = 60s;
    .between_bytes_timeout = 10s;
}

backend assembly {
    .path = "/var/varnish/assembly.sock";
}
