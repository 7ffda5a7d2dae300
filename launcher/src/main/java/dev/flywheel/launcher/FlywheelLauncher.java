package dev.flywheel.launcher;

import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.net.URI;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs several Flywheel services in one JVM, each in its own application context and HTTP port, sharing the common
 * configuration (Kafka, ClickHouse, topics, tokens). Services start in dependency order (engine before the splitter
 * that proxies to it) and stop in reverse. A service that fails to start stops the ones already started.
 */
public final class FlywheelLauncher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(FlywheelLauncher.class);

    private final Map<Service, EmbeddedServer> servers;

    private FlywheelLauncher(Map<Service, EmbeddedServer> servers) {
        this.servers = servers;
    }

    /**
     * Starts {@code services} with {@code common} properties for all and {@code perService} properties for each
     * (including {@code micronaut.server.port}; a service without one gets its default port, -1 means any free port).
     */
    public static FlywheelLauncher start(Set<Service> services, Map<String, Object> common, Map<Service, Map<String, Object>> perService) {
        Objects.requireNonNull(services, "services");
        Map<Service, EmbeddedServer> started = new EnumMap<>(Service.class);
        try {
            for (Service service : Service.values()) {
                if (!services.contains(service)) {
                    continue;
                }
                Map<String, Object> props = new HashMap<>(common);
                for (Service other : Service.values()) {
                    props.put("flywheel." + other.key() + ".enabled", other == service);
                }
                props.put("micronaut.server.port", service.defaultPort());
                props.put("micronaut.application.name", "flywheel-" + service.key());
                props.putAll(perService.getOrDefault(service, Map.of()));
                EmbeddedServer server = ApplicationContext.run(EmbeddedServer.class, props);
                started.put(service, server);
                LOG.info("{} listening on {}", service.key(), server.getURI());
            }
        } catch (RuntimeException e) {
            new FlywheelLauncher(started).close();
            throw new IllegalStateException("could not start the Flywheel services: " + e.getMessage(), e);
        }
        return new FlywheelLauncher(started);
    }

    /** The base URI a started service listens on. */
    public URI uri(Service service) {
        EmbeddedServer server = servers.get(service);
        if (server == null) {
            throw new IllegalArgumentException(service.key() + " was not started");
        }
        return server.getURI();
    }

    public ApplicationContext context(Service service) {
        EmbeddedServer server = servers.get(service);
        if (server == null) {
            throw new IllegalArgumentException(service.key() + " was not started");
        }
        return server.getApplicationContext();
    }

    public Set<Service> services() {
        return Collections.unmodifiableSet(servers.keySet());
    }

    @Override
    public void close() {
        List<Service> order = new ArrayList<>(servers.keySet());
        Collections.reverse(order);
        RuntimeException failure = null;
        for (Service service : order) {
            try {
                servers.get(service).getApplicationContext().close();
            } catch (RuntimeException e) {
                LOG.error("stopping {} failed", service.key(), e);
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        servers.clear();
        if (failure != null) {
            throw failure;
        }
    }
}
