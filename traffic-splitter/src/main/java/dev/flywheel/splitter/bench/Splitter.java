package dev.flywheel.splitter.bench;

import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.io.IOException;
import java.net.URI;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The splitter the bench measures: in a JVM of its own (the default) or inside the bench JVM (as before 2026-12-05, evening). */
interface Splitter extends AutoCloseable {
    URI url();

    static Splitter process(List<String> jvmOptions, Map<String, String> properties) throws IOException, InterruptedException {
        SplitterProcess p = new SplitterProcess(jvmOptions, properties);
        return new Splitter() {
            @Override
            public URI url() {
                return p.url();
            }

            @Override
            public void close() throws InterruptedException {
                p.close();
            }
        };
    }

    static Splitter inProcess(Map<String, String> properties) {
        Map<String, Object> all = new HashMap<>(properties);
        all.put("micronaut.server.port", -1);
        EmbeddedServer server = ApplicationContext.run(EmbeddedServer.class, all);
        return new Splitter() {
            @Override
            public URI url() {
                return URI.create("http://127.0.0.1:" + server.getPort());
            }

            @Override
            public void close() {
                server.close();
            }
        };
    }
}
