package org.llmplatform.e2e;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The suite's tiny model served by several inference-service processes behind a gateway of its own
 * with kv-aware routing, as the Helm chart's headless Service gives it; tokenizer- and
 * session-service are the suite's.
 */
final class ReplicatedModel {

  final List<ServiceProcess> replicas;
  final ServiceProcess gateway;

  private ReplicatedModel(List<ServiceProcess> replicas, ServiceProcess gateway) {
    this.replicas = replicas;
    this.gateway = gateway;
  }

  /**
   * Starts {@code count} replicas and the gateway and waits until all are ready.
   *
   * @param name names the processes' logs and the tenant of {@code key}
   * @param gatewayOptions more arguments for the gateway
   */
  static ReplicatedModel start(String name, int count, String key, String... gatewayOptions)
      throws Exception {
    Platform platform = Platform.get();
    var gatewayArgs =
        new ArrayList<String>(
            List.of(
                "--llm.gateway.tokenizer-url=" + platform.tokenizer.url(),
                "--llm.gateway.session-url=" + platform.session.url(),
                "--llm.gateway.default-model=" + Platform.TINY,
                "--llm.gateway.routing.policy=kv-aware"));
    gatewayArgs.addAll(List.of(gatewayOptions));
    var replicas = new ArrayList<ServiceProcess>();
    for (int i = 0; i < count; i++) {
      var replica =
          new ServiceProcess(
              name + "-replica-" + i,
              platform.jar("inference-service"),
              List.of("--llm.model.dir=" + platform.modelDirs.get(Platform.TINY)),
              platform.logs);
      replicas.add(replica);
      gatewayArgs.add(
          "--llm.gateway.models." + Platform.TINY + ".replicas[" + i + "]=" + replica.url());
    }
    Platform.key(gatewayArgs, 0, key, name, 100_000, 100_000_000);
    var gateway =
        ServiceProcess.gateway(
            "gateway-" + name, platform.jar("gateway-service"), gatewayArgs, platform.logs);
    var model = new ReplicatedModel(List.copyOf(replicas), gateway);
    try {
      for (ServiceProcess replica : replicas) {
        replica.start();
      }
      gateway.start();
      for (ServiceProcess replica : replicas) {
        replica.awaitReady(Duration.ofMinutes(3));
      }
      gateway.awaitReady(Duration.ofMinutes(3));
    } catch (Exception e) {
      model.stop(); // none left running for the suite's other classes
      throw e;
    }
    return model;
  }

  /** Stops the gateway and every replica (one a test froze is thawed first). */
  void stop() throws Exception {
    gateway.stop();
    for (ServiceProcess replica : replicas) {
      try {
        replica.resume();
      } catch (Exception gone) {
        // killed or drained by a test
      }
      replica.stop();
    }
  }
}
