package dev.flywheel.splitter.proxy;

import java.util.Map;
import org.reactivestreams.Publisher;

/** What the controller sends back: a whole body, or a server-sent-event stream passed through chunk by chunk. */
public sealed interface ProxyReply {
    Map<String, String> headers();

    /** A complete response (the backend's status and JSON body, or an error of the proxy). */
    record Whole(int status, String contentType, byte[] body, Map<String, String> headers) implements ProxyReply {}

    /** {@code text/event-stream} chunks exactly as the backend sent them. */
    record Stream(Publisher<byte[]> chunks, Map<String, String> headers) implements ProxyReply {}
}
