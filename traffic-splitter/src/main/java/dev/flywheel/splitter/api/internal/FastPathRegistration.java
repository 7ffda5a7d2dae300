package dev.flywheel.splitter.api.internal;

import dev.flywheel.contracts.auth.TokenAuthenticator;
import dev.flywheel.splitter.config.SplitterConfig;
import dev.flywheel.splitter.metrics.SplitterMetrics;
import dev.flywheel.splitter.proxy.ProxyService;
import io.micronaut.context.BeanProvider;
import io.micronaut.context.annotation.Requires;
import io.micronaut.context.event.BeanCreatedEvent;
import io.micronaut.context.event.BeanCreatedEventListener;
import io.micronaut.http.netty.channel.ChannelPipelineCustomizer;
import io.micronaut.http.server.netty.NettyServerCustomizer;
import io.netty.channel.Channel;
import io.netty.channel.ChannelPipeline;
import jakarta.inject.Singleton;

/**
 * Puts a {@link FastProxyHandler} into every plain HTTP/1.1 connection of the server, just before the framework's
 * request handler. HTTP/2 streams keep the framework's {@code ProxyController} route, which behaves the same.
 * Off with {@code flywheel.splitter.fast-path=false}.
 */
@Singleton
@Requires(property = "flywheel.splitter.enabled", notEquals = "false")
final class FastPathRegistration implements BeanCreatedEventListener<NettyServerCustomizer.Registry> {
    static final String HANDLER = "flywheel-proxy-fast-path";
    private final BeanProvider<ProxyService> proxy;
    private final BeanProvider<TokenAuthenticator> authenticator;
    private final BeanProvider<SplitterMetrics> metrics;
    private final SplitterConfig config;

    FastPathRegistration(BeanProvider<ProxyService> proxy, BeanProvider<TokenAuthenticator> authenticator,
                         BeanProvider<SplitterMetrics> metrics, SplitterConfig config) {
        this.metrics = metrics;
        this.proxy = proxy;
        this.authenticator = authenticator;
        this.config = config;
    }

    @Override
    public NettyServerCustomizer.Registry onCreated(BeanCreatedEvent<NettyServerCustomizer.Registry> event) {
        NettyServerCustomizer.Registry registry = event.getBean();
        if (config.fastPath()) {
            registry.register(new Customizer(null));
        }
        return registry;
    }

    private final class Customizer implements NettyServerCustomizer {
        private final Channel channel;

        Customizer(Channel channel) {
            this.channel = channel;
        }

        @Override
        public NettyServerCustomizer specializeForChannel(Channel channel, ChannelRole role) {
            return role == ChannelRole.CONNECTION ? new Customizer(channel) : this;
        }

        @Override
        public void onStreamPipelineBuilt() {
            if (channel == null) {
                return;
            }
            ChannelPipeline p = channel.pipeline();
            if (p.get(ChannelPipelineCustomizer.HANDLER_HTTP_SERVER_CODEC) == null
                    || p.get(ChannelPipelineCustomizer.HANDLER_MICRONAUT_INBOUND) == null
                    || p.get(HANDLER) != null) {
                return; // not a plain HTTP/1.1 connection (or already set up)
            }
            p.addBefore(ChannelPipelineCustomizer.HANDLER_MICRONAUT_INBOUND, HANDLER, new FastProxyHandler(proxy.get(), authenticator.get(), config.maxRequestBytes(), metrics.get()));
        }
    }
}
