package dev.flywheel.splitter.events;

import dev.flywheel.contracts.events.InferenceEvent;
import java.util.function.Consumer;

/** Where inference events go (Kafka in production). {@code done} gets null on success or the failure. */
public interface EventSink extends AutoCloseable {
    void send(InferenceEvent event, Consumer<Exception> done);

    @Override
    void close();
}
