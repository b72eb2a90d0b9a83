package org.llmplatform.http;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.LastHttpContent;
import org.springframework.boot.reactor.netty.NettyServerCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import reactor.netty.NettyPipeline;

/**
 * Works around a Reactor Netty 1.3.6 bug (reactor-netty#4361, #4347; fixed in 1.3.8, which needs a
 * newer Netty than Boot 4.0.7 brings): when a keep-alive client sends its next request before the
 * server has finished with the previous one, the server can stop reading the connection, and the
 * request waits forever. session-service's benchmark clients hit it every few thousand GETs; the
 * gateway, on a connection that carries a models list and then a chat completion, within a few
 * hundred requests ({@code KeepAliveTest} of both); a pooled client such as the gateway's WebClient
 * sends such sequences to the other services too. Every service imports this configuration. After
 * each response is written this asks the channel for one more read: a no-op when Reactor Netty
 * already asked, the missing read when it forgot. (A request read early is buffered by Reactor
 * Netty until the previous exchange ends, as it is without this.)
 */
@Configuration(proxyBeanMethods = false)
public class ReadAfterEachResponse {

  private static final Handler HANDLER = new Handler();

  @Bean
  NettyServerCustomizer rearmReadsAfterResponses() {
    return server ->
        server.doOnChannelInit(
            (observer, channel, address) -> {
              if (channel.pipeline().get(NettyPipeline.HttpCodec) != null) {
                channel
                    .pipeline()
                    .addAfter(NettyPipeline.HttpCodec, "llm.readAfterResponse", HANDLER);
              }
            });
  }

  /** Sits after the HTTP codec: sees each response's last part before it is encoded. */
  @ChannelHandler.Sharable
  static final class Handler extends ChannelOutboundHandlerAdapter {

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
      if (msg instanceof LastHttpContent) {
        ChannelPromise written = promise.unvoid();
        written.addListener(done -> ctx.read());
        ctx.write(msg, written);
      } else {
        ctx.write(msg, promise);
      }
    }
  }
}
