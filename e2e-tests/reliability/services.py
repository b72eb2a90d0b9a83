"""The platform under test: its own Redis and the four services from their packaged jars, each on a spare loopback
port, each a process that can be killed (SIGKILL), frozen (SIGSTOP), thawed (SIGCONT) and restarted on its port.

Never touches the shared Redis on 6379: the run starts its own redis-server (AOF on) and points session-service and
the gateway's rate limits at it.
"""
import hashlib
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.request

JAR_VERSION = "0.1.0-SNAPSHOT"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def sha256(text):
    return hashlib.sha256(text.encode()).hexdigest()


class Process:
    """One process of the platform, restartable on the same port with the same command."""

    def __init__(self, name, port, log_path):
        self.name = name
        self.port = port
        self.log_path = log_path
        self.popen = None
        self.starts = 0

    def command(self):
        raise NotImplementedError

    def env(self):
        return dict(os.environ)

    def start(self):
        log = open(self.log_path, "ab")
        self.popen = subprocess.Popen(self.command(), stdout=log, stderr=subprocess.STDOUT, env=self.env(),
                                      stdin=subprocess.DEVNULL)
        log.close()
        self.starts += 1

    @property
    def pid(self):
        return self.popen.pid

    def alive(self):
        return self.popen is not None and self.popen.poll() is None

    def signal(self, sig):
        os.kill(self.popen.pid, sig)

    def kill(self):
        """SIGKILL, then reap it."""
        self.signal(signal.SIGKILL)
        self.popen.wait(timeout=30)

    def stop(self):
        if not self.alive():
            return
        try:
            self.signal(signal.SIGCONT)
            self.signal(signal.SIGTERM)
            self.popen.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.kill()

    def ready(self):
        raise NotImplementedError

    def await_ready(self, limit_s=240):
        deadline = time.monotonic() + limit_s
        while time.monotonic() < deadline:
            if not self.alive():
                raise RuntimeError(f"{self.name} exited (code {self.popen.returncode}); see {self.log_path}")
            if self.ready():
                return
            time.sleep(0.25)
        raise RuntimeError(f"{self.name} not ready after {limit_s} s; see {self.log_path}")


class Redis(Process):
    """A redis-server of the run's own, on a spare port, with its append-only file in the run's folder."""

    def __init__(self, work_dir, fsync="everysec"):
        super().__init__("redis", free_port(), os.path.join(work_dir, "redis.log"))
        self.dir = os.path.join(work_dir, "redis")
        os.makedirs(self.dir, exist_ok=True)
        self.fsync = fsync

    def command(self):
        return [shutil.which("redis-server") or "redis-server", "--bind", "127.0.0.1", "--port", str(self.port),
                "--dir", self.dir, "--save", "", "--appendonly", "yes", "--appendfsync", self.fsync,
                "--daemonize", "no", "--logfile", ""]

    def ready(self):
        return self.call("PING") == "+PONG"

    def call(self, *words):
        """One command in Redis's inline protocol; the first line of the answer, or None when it does not answer."""
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                s.sendall((" ".join(words) + "\r\n").encode())
                return s.makefile("rb").readline().decode().strip()
        except OSError:
            return None

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}"


class Service(Process):
    """A service from its packaged jar: internal services listen on 127.0.0.1 only, with the run's internal token."""

    def __init__(self, name, module, args, ctx, jvm_options=(), management_port=None):
        super().__init__(name, free_port(), os.path.join(ctx.work_dir, f"{name}.log"))
        built = os.path.join(ctx.repo, module, "target", f"{module}-{JAR_VERSION}.jar")
        if not os.path.isfile(built):
            raise RuntimeError(f"{built} is missing: package the services first")
        # a copy of the run's own: a build during the run rewrites target/ under a JVM that still loads classes
        # from its jar, and a restart after a fault must start the same code
        self.jar = os.path.join(ctx.work_dir, "jars", os.path.basename(built))
        os.makedirs(os.path.dirname(self.jar), exist_ok=True)
        shutil.copyfile(built, self.jar)
        self.args = list(args)
        self.ctx = ctx
        self.jvm_options = list(jvm_options)
        self.management_port = management_port or self.port

    def command(self):
        cmd = [self.ctx.java, "--enable-native-access=ALL-UNNAMED", "-Dai.djl.offline=true", *self.ctx.heap_options,
               *self.jvm_options, "-jar", self.jar, f"--server.port={self.port}", "--server.address=127.0.0.1"]
        if self.management_port != self.port:
            cmd += [f"--management.server.port={self.management_port}", "--management.server.address=127.0.0.1"]
        return cmd + self.args

    def env(self):
        env = dict(os.environ)
        env["LLM_INTERNAL_TOKEN"] = self.ctx.internal_token  # in the environment, not on the command line
        return env

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def ready(self):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.management_port}/actuator/health", timeout=2) as r:
                return r.status == 200 and b'"UP"' in r.read()
        except OSError:
            return False


class Context:
    """What every service of one run shares."""

    def __init__(self, repo, work_dir, java, heap_mb):
        self.repo = repo
        self.work_dir = work_dir
        self.java = java
        # a fixed, pre-touched heap: the RSS slope then measures what is not the Java heap (native, metaspace, code)
        self.heap_options = [f"-Xms{heap_mb}m", f"-Xmx{heap_mb}m", "-XX:+AlwaysPreTouch", "-XX:+UsePerfData"]
        self.internal_token = "reliability-" + os.urandom(16).hex()


class Platform:
    """Redis, tokenizer, inference, session and gateway for one model, with two API keys: `key` with limits far
    above the load, `limited_key` with `limited_rpm` requests a minute."""

    def __init__(self, repo, work_dir, model_dir, java, heap_mb=256, limited_rpm=60, timeouts=None,
                 extra_models=None):
        os.makedirs(work_dir, exist_ok=True)
        self.ctx = Context(repo, work_dir, java, heap_mb)
        self.model = os.path.basename(model_dir.rstrip("/"))
        run = os.urandom(6).hex()
        self.key = f"sk-reliability-{run}"
        self.limited_key = f"sk-reliability-limited-{run}"
        self.redis = Redis(work_dir)
        t = timeouts or {}
        self.tokenizer = Service("tokenizer", "tokenizer-service",
                                 [f"--llm.tokenizer.default-model={self.model}",
                                  f"--llm.tokenizer.models.{self.model}.dir={model_dir}"], self.ctx)
        # NMT: the JVM's own native memory, so that what ONNX Runtime allocates is RSS less NMT's committed total
        self.inference = Service("inference", "inference-service", [f"--llm.model.dir={model_dir}"], self.ctx,
                                 jvm_options=["-XX:NativeMemoryTracking=summary"])
        self.session = Service("session", "session-service", [f"--spring.data.redis.url={self.redis.url}"], self.ctx)
        gateway_args = [
            f"--llm.gateway.tokenizer-url={self.tokenizer.url}", f"--llm.gateway.session-url={self.session.url}",
            f"--llm.gateway.models.{self.model}.inference-url={self.inference.url}",
            f"--llm.gateway.default-model={self.model}", f"--spring.data.redis.url={self.redis.url}",
            *[f"--llm.gateway.resilience.{name}={value}" for name, value in t.items()],
        ]
        # more names for the same model, each behind its own inference URL (a slow hop's proxy)
        for name, url in (extra_models or {}).items():
            gateway_args += [f"--llm.gateway.models.{name}.inference-url={url}",
                             f"--llm.gateway.models.{name}.tokenizer-model={self.model}"]
        for i, (key, tenant, rpm) in enumerate([(self.key, "reliability", 10_000_000),
                                                (self.limited_key, "reliability-limited", limited_rpm)]):
            gateway_args += [f"--llm.gateway.api-keys[{i}].sha256={sha256(key)}",
                             f"--llm.gateway.api-keys[{i}].tenant={tenant}",
                             f"--llm.gateway.api-keys[{i}].requests-per-minute={rpm}",
                             f"--llm.gateway.api-keys[{i}].tokens-per-minute=1000000000"]
        self.gateway = Service("gateway", "gateway-service", gateway_args, self.ctx, management_port=free_port())

    @property
    def services(self):
        return [self.tokenizer, self.inference, self.session, self.gateway]

    @property
    def processes(self):
        return [self.redis, *self.services]

    @property
    def gateway_url(self):
        return self.gateway.url

    def start(self):
        self.redis.start()
        self.redis.await_ready(30)
        for service in self.services:
            service.start()
        for service in self.services:
            service.await_ready()

    def stop(self):
        for process in reversed(self.processes):
            if process.popen is not None:
                process.stop()

    def by_name(self, name):
        return next(p for p in self.processes if p.name == name)
