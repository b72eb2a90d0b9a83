# Sourced by the benchmark scripts (from the repository root): compiles llm-api and inference-service with their
# test classes (offline when it can) and sets CP to run the benchmark mains.
./mvnw -B -q -o -pl llm-api,inference-service -am test-compile -DskipTests 2>/dev/null \
  || ./mvnw -B -q -pl llm-api,inference-service -am test-compile -DskipTests
# on a fresh machine the dependency plugin is not in the local repository yet: fetch it then
./mvnw -B -q -o -pl llm-api,inference-service dependency:build-classpath -Dmdep.outputFile=target/bench.classpath \
  >/dev/null 2>&1 \
  || ./mvnw -B -q -pl llm-api,inference-service dependency:build-classpath -Dmdep.outputFile=target/bench.classpath \
  >/dev/null
CP="inference-service/target/test-classes:inference-service/target/classes:llm-api/target/classes:$(cat inference-service/target/bench.classpath)"
