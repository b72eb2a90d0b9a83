"""A slow network hop: a TCP proxy on loopback that holds each chunk of the answers it forwards for `delay_s`
seconds (0: forwards at once). Put between the gateway and inference-service, it stands for a congested link; the
delay can change while streams run."""
import socket
import threading

from services import free_port


class DelayingProxy(threading.Thread):
    def __init__(self, target_port, name="hop"):
        super().__init__(daemon=True, name=name)
        self.name_ = name
        self.target_port = target_port
        self.port = free_port()
        self.delay_s = 0.0
        self.halt = threading.Event()
        self.server = socket.create_server(("127.0.0.1", self.port))
        self.server.settimeout(0.5)

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def run(self):
        while not self.halt.is_set():
            try:
                client, _ = self.server.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            threading.Thread(target=self._connect, args=(client,), daemon=True).start()

    def _connect(self, client):
        try:
            upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=5)
        except OSError:
            client.close()  # the service is down: the gateway sees the connection closed
            return
        upstream.settimeout(None)
        threading.Thread(target=self._pump, args=(client, upstream, False), daemon=True).start()
        self._pump(upstream, client, True)

    def _pump(self, source, sink, delayed):
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                if delayed and self.delay_s > 0:
                    self.halt.wait(self.delay_s)
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()

    def stop(self):
        self.halt.set()
        self.server.close()
