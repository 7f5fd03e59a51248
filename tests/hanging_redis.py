"""A stand-in Redis on 127.0.0.1 that accepts connections and never answers, until told to
pass them on to a real Redis: an outage that hangs, then the recovery."""

import socket
import threading


class HangingRedis:
    """Counts the connections it accepts. Hanging, it holds them open in silence; after
    ``answer_from(port)`` each new connection is relayed to the Redis on that port."""

    def __init__(self, db=0):
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.url = f"redis://127.0.0.1:{self.port}/{db}"
        self.accepted = 0
        self.real_port = None
        self.held = []
        threading.Thread(target=self.accept_forever, daemon=True).start()

    def answer_from(self, real_port):
        self.real_port = real_port

    def accept_forever(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return  # closed
            self.accepted += 1
            if self.real_port is None:
                self.held.append(client)
            else:
                upstream = socket.create_connection(("127.0.0.1", self.real_port))
                for source, target in ((client, upstream), (upstream, client)):
                    threading.Thread(target=relay, args=(source, target), daemon=True).start()

    def close(self):
        self.listener.close()
        for client in self.held:
            client.close()


def relay(source, target):
    try:
        while data := source.recv(65536):
            target.sendall(data)
    except OSError:
        pass
    finally:
        target.close()
