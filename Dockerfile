# syntax=docker/dockerfile:1.7
# One image per service, from this one file:
#   docker build --build-arg SERVICE=gateway-service   --build-arg PORT=8080 --build-arg MANAGEMENT_PORT=9080 \
#                -t llm-platform/gateway-service .
#   docker build --build-arg SERVICE=tokenizer-service --build-arg PORT=8081 -t llm-platform/tokenizer-service .
#   docker build --build-arg SERVICE=inference-service --build-arg PORT=8082 -t llm-platform/inference-service .
#   docker build --build-arg SERVICE=inference-service --build-arg PORT=8082 --build-arg VARIANT=cuda \
#                -t llm-platform/inference-service:cuda .
#   docker build --build-arg SERVICE=session-service   --build-arg PORT=8083 -t llm-platform/session-service .
# The model is never baked in: mount it (LLM_MODEL_DIR) or fetch it with an init container.

ARG SERVICE=gateway-service
# cpu: Temurin JRE 25; cuda: the CUDA 12 + cuDNN 9 runtime with the same JRE and the onnxruntime_gpu jar.
ARG VARIANT=cpu
ARG JDK_IMAGE=eclipse-temurin:25-jdk-noble
ARG JRE_IMAGE=eclipse-temurin:25-jre-noble
ARG CUDA_IMAGE=nvidia/cuda:12.8.1-cudnn-runtime-ubuntu24.04

# ---- build: the service's Spring Boot jar, split into its layers -------------------------------------
FROM ${JDK_IMAGE} AS build
ARG SERVICE
ARG VARIANT
WORKDIR /src
COPY .mvn/ .mvn/
COPY mvnw pom.xml ./
COPY llm-api/ llm-api/
COPY llm-http/ llm-http/
COPY inference-service/ inference-service/
COPY tokenizer-service/ tokenizer-service/
COPY session-service/ session-service/
COPY gateway-service/ gateway-service/
COPY deployment-tests/pom.xml deployment-tests/pom.xml
RUN --mount=type=cache,target=/root/.m2 \
    ./mvnw -B -q -pl "${SERVICE}" -am -DskipTests -Dspotless.check.skip=true \
      $( [ "${VARIANT}" = cuda ] && echo -Pgpu ) package \
 && cp "$(ls ${SERVICE}/target/${SERVICE}-*.jar | grep -v -e plain -e -tests.jar)" /src/app.jar \
 && java -Djarmode=tools -jar /src/app.jar extract --layers --launcher --destination /layers

# ---- runtime bases ----------------------------------------------------------------------------------
FROM ${JRE_IMAGE} AS runtime-cpu

FROM ${CUDA_IMAGE} AS runtime-cuda
COPY --from=runtime-cpu /opt/java/openjdk /opt/java/openjdk
ENV JAVA_HOME=/opt/java/openjdk \
    PATH=/opt/java/openjdk/bin:$PATH

# ---- the image --------------------------------------------------------------------------------------
FROM runtime-${VARIANT}
ARG SERVICE
ARG PORT=8080
# Where actuator answers (the HEALTHCHECK): the gateway's management port (9080), the service's own port otherwise.
ARG MANAGEMENT_PORT=${PORT}
RUN apt-get update \
 && apt-get install -y --no-install-recommends curl \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 app \
 && useradd --system --uid 10001 --gid app --home-dir /app --shell /usr/sbin/nologin app
WORKDIR /app
COPY --from=build --chown=app:app /layers/dependencies/ ./
COPY --from=build --chown=app:app /layers/spring-boot-loader/ ./
COPY --from=build --chown=app:app /layers/snapshot-dependencies/ ./
COPY --from=build --chown=app:app /layers/application/ ./
ENV PORT=${PORT} \
    MANAGEMENT_PORT=${MANAGEMENT_PORT} \
    DJL_CACHE_DIR=/tmp/djl \
    JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=75 -XX:+ExitOnOutOfMemoryError -Dai.djl.offline=true"
LABEL org.opencontainers.image.title="${SERVICE}" \
      org.opencontainers.image.source="https://github.com/llm-platform/llm-platform"
USER 10001:10001
EXPOSE ${PORT} ${MANAGEMENT_PORT}
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
  CMD curl -fs "http://127.0.0.1:${MANAGEMENT_PORT}/actuator/health/readiness" || exit 1
ENTRYPOINT ["java", "--enable-native-access=ALL-UNNAMED", "org.springframework.boot.loader.launch.JarLauncher"]
