# The application server Varnish sends requests to: granian on 127.0.0.1:BACKEND_PORT.
# default.vcl includes it as "backend.vcl", found on varnishd's vcl_path (not next to
# default.vcl, where it would win): make serve (config/serve.py) writes this file with the
# port it chose as var/varnish/backend.vcl and runs varnishd with
# `-p vcl_path=$PWD/var/varnish:$PWD/config/varnish`; by hand, do the same.
backend default {
    .host = "127.0.0.1";
    .port = "8001";
    .connect_timeout = 1s;
    # The application answers within its own request deadline; this is only a backstop.
    .first_byte_timeout = 60s;
    .between_bytes_timeout = 10s;
}
