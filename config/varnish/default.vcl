# Varnish in front of the application (make serve runs it: config/serve.py).
#
# The application decides what may be shared: a page any anonymous reader may be given
# comes with `Cache-Control: public, ..., s-maxage=N` and `xkey: <its dependency keys>`;
# everything else says `private`. Varnish keeps the shared pages, drops them when the
# application purges one of their keys, and fills per-reader values in through ESI.
#
# A page with per-reader values is kept twice. Behind a second listener of Varnish's own,
# the assembly socket (make serve starts varnishd with `-a assembly=...`), it is kept as the
# application sent it, and its includes are put in there. In front, readers are given it
# as assembled there, compressed, for as long as the application says its includes stay
# the same for everyone (Assembled-Max-Age: a second for the comment form's time of issue).
# A hit in front is then a plain compressed object: Varnish 7.1 puts includes in only in
# plain text (with gzip it recomputes the checksum of each piece, zlib's crc32_combine,
# about six times slower), and flushes before each include.
vcl 4.1;

import std;
import xkey;

# The backends: the application (default: granian on 127.0.0.1:BACKEND_PORT) and Varnish's
# own assembly socket (assembly), from backend.vcl on vcl_path, which make serve writes
# from backend.template.vcl with the port and the socket it chose.
include "backend.vcl";

# Only this machine may purge: the application runs next to Varnish and purges over
# loopback. Several application servers on other machines need their addresses here.
acl purgers {
    "127.0.0.1";
    "::1";
}

sub vcl_recv {
    if (req.method == "PURGE") {
        # Anyone who could purge could empty the cache at will and load the application.
        if (client.ip !~ purgers) {
            return (synth(403, "Purging is not allowed from " + client.ip));
        }
        if (!req.http.xkey-purge) {
            return (synth(400, "No xkey-purge header: nothing to purge"));
        }
        # Drops every object tagged with any of the keys, at once (a hard purge: a page
        # showing what changed must not be served again, even stale).
        set req.http.purged = xkey.purge(req.http.xkey-purge);
        return (synth(200, "Invalidated " + req.http.purged + " objects"));
    }

    # Varnish reads the whole request body before it asks the application, so a client
    # sending its body slowly holds a Varnish session, never an application thread; a body
    # that stalls longer than timeout_idle ends the connection here.
    if (req.method == "POST" || req.method == "PUT" || req.method == "PATCH") {
        if (!std.cache_req_body(15MB)) {
            return (synth(413, "The request body is too large or was not sent in time"));
        }
    }

    # Only GET and HEAD are ever answered from the cache; everything else goes to the
    # application as it came (pass, not the built-in pipe: pass keeps Varnish reading and
    # timing the request).
    if (req.method != "GET" && req.method != "HEAD") {
        return (pass);
    }

    # Signed-in users (sessionid) and readers with messages to see (messages) get pages of
    # their own; the admin, the per-reader fragments and the health check are never shared.
    # Their requests keep their cookies, and what the application answers is not stored.
    if (req.http.Cookie ~ "(^|;\s*)(sessionid|messages)=") {
        return (pass);
    }
    if (req.url ~ "^/admin/" || req.url ~ "^/healthz(\?|$)") {
        return (pass);
    }
    # A per-reader value a stored page includes (ESI). One made without the request (the
    # comment form's signed time of issue) says s-maxage=1: readers within the same second
    # share it, so an edge hit on a review asks the application nothing. One made from the
    # request says private and is fetched for each reader, with their cookies.
    if (req.url ~ "^/_personal/") {
        return (hash);
    }

    # A shared page does not depend on the reader's other cookies (csrftoken, a consent
    # choice...): without them, every anonymous reader finds the same stored page.
    unset req.http.Cookie;
    # Readers' requests look in front; a miss there asks the assembly socket, which asks
    # the application.
    if (local.socket != "assembly") {
        set req.backend_hint = assembly;
    }
    return (hash);
}

sub vcl_hash {
    # The page as the application sent it (on the assembly socket) and as readers are given
    # it are two objects; the built-in vcl_hash adds the URL and the host.
    if (local.socket == "assembly") {
        hash_data("as the application sent it");
    }
}

sub vcl_backend_fetch {
    # Tells the application that Varnish processes ESI, so it leaves per-reader values as
    # <esi:include src="/_personal/NAME/"/> instead of filling them in itself.
    set bereq.http.Surrogate-Capability = {"varnish="ESI/1.0""};
}

sub vcl_backend_response {
    # ESI first, for every response, stored or not: a private page may hold includes too,
    # and a reader must never see a raw <esi:include>. Only the application's answers say
    # Surrogate-Control; one that does not say how long its page stays the same once
    # assembled is not kept assembled.
    if (beresp.http.Surrogate-Control ~ "ESI/1.0") {
        set beresp.do_esi = true;
        unset beresp.http.Surrogate-Control;
        if (!beresp.http.Assembled-Max-Age) {
            set beresp.http.Assembled-Max-Age = "0";
        }
    }

    # Not for sharing: a response setting a cookie (it belongs to one reader), one the
    # application marks private / no-cache / no-store, or one without s-maxage (the
    # application names how long the edge may keep each shared page). Hit-for-miss for a
    # short while: the next requests for the URL go straight to the application, and a
    # later shared answer is stored again.
    if (beresp.http.Set-Cookie
        || beresp.http.Cache-Control ~ "(private|no-cache|no-store)"
        || beresp.http.Cache-Control !~ "s-maxage=[0-9]") {
        set beresp.uncacheable = true;
        set beresp.ttl = 30s;
        return (deliver);
    }

    # beresp.ttl already comes from s-maxage (Varnish prefers it to max-age). No grace:
    # the application's s-maxage ends where the page must change (a scheduled review's
    # time), so a stale copy is not served past it.
    set beresp.grace = 0s;
    # A page assembled on the assembly socket: kept in front as long as its includes are
    # everyone's (Assembled-Max-Age), and never when one is made for each reader (0): for
    # half that time, then assembled again in the background while readers are given it
    # for the other half, so no reader waits. Its dependency keys came with it, so a purge
    # drops it with the page it was made from.
    if (bereq.backend == assembly && beresp.http.Assembled-Max-Age) {
        set beresp.ttl = std.duration(beresp.http.Assembled-Max-Age + "s", 0s) / 2;
        set beresp.grace = beresp.ttl;
        unset beresp.http.Assembled-Max-Age;
        if (beresp.ttl <= 0s) {
            set beresp.uncacheable = true;
            set beresp.ttl = 30s;
            set beresp.grace = 0s;
            return (deliver);
        }
    }
    # A page without includes, fetched by the assembly socket for the front: kept in front
    # only, not twice.
    if (bereq.backend != assembly && !beresp.do_esi && bereq.url !~ "^/_personal/") {
        set beresp.uncacheable = true;
        set beresp.ttl = 0s;
    }
    # A per-reader value made without the request (the comment form's time of issue) is
    # kept half a second, then made again in the background while readers are given the
    # one before for another half, so no reader waits on the application. Put in a page
    # kept a second in front, it is two seconds old at most, under the three a comment
    # must take (COMMENTS_MIN_SECONDS): a 0-second post is still held.
    if (bereq.url ~ "^/_personal/") {
        set beresp.ttl = 0.5s;
        set beresp.grace = 0.5s;
    }
    # Stored compressed: pages take a fraction of the cache's memory, and every browser
    # (they all accept gzip) is sent the stored bytes as they are: a 15 KB home page goes
    # out as 3 KB, a review's 46 KB as 6 KB. Varnish unzips for the rare client that does
    # not accept gzip. Not a page as the application sent it with per-reader values (ESI,
    # on the assembly socket: see the top), nor the values themselves.
    if (!beresp.do_esi && bereq.url !~ "^/_personal/"
        && beresp.http.Content-Type ~ "^(text/|application/(xml|rss\+xml|atom\+xml|json))") {
        set beresp.do_gzip = true;
    }
    # The xkey header stays on the stored object: vmod xkey indexes it for xkey.purge.
    return (deliver);
}

sub vcl_deliver {
    # To the front, the page with its keys and what the application said of it, and
    # whether it was kept here; not this Varnish's own headers, which the front adds.
    if (local.socket == "assembly") {
        set resp.http.X-Cache = (obj.hits > 0);
        unset resp.http.X-Varnish;
        unset resp.http.Via;
        return (deliver);
    }
    # So operators and the tests can tell a stored page from a fresh one: a hit in front,
    # or a page assembled from one kept on the assembly socket (the application was not
    # asked for it).
    if (obj.hits > 0 || resp.http.X-Cache == "true") {
        set resp.http.X-Cache = "HIT";
    } else {
        set resp.http.X-Cache = "MISS";
    }
    # The dependency keys are for the edge only: they tell readers nothing they need.
    unset resp.http.xkey;
    unset resp.http.Surrogate-Key;
    unset resp.http.Cache-Tag;
    unset resp.http.Assembled-Max-Age;
}

sub vcl_synth {
    # A purge's answer is the plain line the purge client reads: "Invalidated N objects".
    if (req.method == "PURGE") {
        set resp.http.Content-Type = "text/plain; charset=utf-8";
        set resp.body = resp.reason;
        return (deliver);
    }
}
