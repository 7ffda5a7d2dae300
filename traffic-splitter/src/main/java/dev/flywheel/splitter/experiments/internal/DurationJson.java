package dev.flywheel.splitter.experiments.internal;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import dev.flywheel.splitter.experiments.InvalidExperimentException;
import java.io.IOException;
import java.time.Duration;
import java.time.format.DateTimeParseException;

/** {@link Duration} as an ISO-8601 string ("PT30M") on the wire, without needing a module on the mapper. */
public final class DurationJson {
    private DurationJson() {}

    public static final class Writer extends StdSerializer<Duration> {
        public Writer() {
            super(Duration.class);
        }

        @Override
        public void serialize(Duration value, JsonGenerator gen, SerializerProvider provider) throws IOException {
            gen.writeString(value.toString());
        }
    }

    public static final class Reader extends StdDeserializer<Duration> {
        public Reader() {
            super(Duration.class);
        }

        @Override
        public Duration deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            if (p.currentToken() != JsonToken.VALUE_STRING) {
                throw new InvalidExperimentException("min_duration", "must be an ISO-8601 duration string such as \"PT1H\"");
            }
            try {
                return Duration.parse(p.getText());
            } catch (DateTimeParseException e) {
                throw new InvalidExperimentException("min_duration",
                        "must be an ISO-8601 duration string such as \"PT1H\", got '" + p.getText() + "'", e);
            }
        }
    }
}
