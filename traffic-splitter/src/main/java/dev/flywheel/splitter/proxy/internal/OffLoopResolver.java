package dev.flywheel.splitter.proxy.internal;

import io.netty.resolver.AddressResolver;
import io.netty.resolver.AddressResolverGroup;
import io.netty.resolver.InetSocketAddressResolver;
import io.netty.resolver.SimpleNameResolver;
import io.netty.util.NetUtil;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Promise;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * Resolves backend host names on {@code blocking}, not on the event loop that connects. Netty's default resolver calls
 * {@link InetAddress#getByName} on the loop, so one slow DNS answer would stall every client request the loop carries.
 * IP literals are answered at once. The JDK's own cache ({@code networkaddress.cache.ttl}) still applies.
 */
final class OffLoopResolver extends AddressResolverGroup<InetSocketAddress> {
    private final Executor blocking;

    OffLoopResolver(Executor blocking) {
        this.blocking = blocking;
    }

    @Override
    protected AddressResolver<InetSocketAddress> newResolver(EventExecutor loop) {
        return new InetSocketAddressResolver(loop, new SimpleNameResolver<InetAddress>(loop) {
            @Override
            protected void doResolve(String host, Promise<InetAddress> promise) {
                InetAddress literal = literal(host);
                if (literal != null) {
                    promise.setSuccess(literal);
                    return;
                }
                offLoop(promise, () -> InetAddress.getByName(host));
            }

            @Override
            protected void doResolveAll(String host, Promise<List<InetAddress>> promise) {
                InetAddress literal = literal(host);
                if (literal != null) {
                    promise.setSuccess(List.of(literal));
                    return;
                }
                offLoop(promise, () -> Arrays.asList(InetAddress.getAllByName(host)));
            }
        });
    }

    private static InetAddress literal(String host) {
        return NetUtil.createInetAddressFromIpAddressString(host);
    }

    private interface Lookup<T> {
        T get() throws UnknownHostException;
    }

    private <T> void offLoop(Promise<T> promise, Lookup<T> lookup) {
        try {
            blocking.execute(() -> {
                try {
                    promise.trySuccess(lookup.get());
                } catch (UnknownHostException | RuntimeException e) {
                    promise.tryFailure(e);
                }
            });
        } catch (RejectedExecutionException e) {
            promise.tryFailure(e); // shutting down: the connect fails with the reason
        }
    }
}
