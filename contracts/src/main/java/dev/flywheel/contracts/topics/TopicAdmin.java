package dev.flywheel.contracts.topics;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates the contract's topics and their DLQs if they are missing (idempotent, safe from several replicas at once).
 * Event streams get {@code partitions} partitions; state topics get one, so that state is totally ordered, and are
 * compacted or keep every write as their {@link Topic.Kind} says. A {@link Topic.Kind#LOGGED_STATE} topic that an
 * earlier release created compacted is switched to keeping every write (what compaction removed stays removed).
 */
public final class TopicAdmin {
    private static final Logger LOG = LoggerFactory.getLogger(TopicAdmin.class);
    private final Admin admin;

    public TopicAdmin(Admin admin) {
        this.admin = admin;
    }

    public void ensure(Topics topics, int partitions, short replication) {
        if (partitions < 1) {
            throw new IllegalArgumentException("partitions must be >= 1, got " + partitions);
        }
        List<NewTopic> wanted = new ArrayList<>();
        for (Topic t : topics.all()) {
            wanted.add(newTopic(t.name(), t.kind(), partitions, replication));
            wanted.add(new NewTopic(t.dlq(), 1, replication));
        }
        create(wanted);
    }

    /**
     * One state topic outside the contract's list (the evaluator registry's own), created or switched as
     * {@link #ensure(Topics, int, short)} does for the contract's: one partition, no DLQ twin.
     */
    public void ensure(String name, Topic.Kind kind, short replication) {
        if (kind == Topic.Kind.STREAM) {
            throw new IllegalArgumentException("ensure(name, kind) is for state topics, got " + kind + " for " + name);
        }
        create(List.of(newTopic(name, kind, 1, replication)));
    }

    private static NewTopic newTopic(String name, Topic.Kind kind, int partitions, short replication) {
        return switch (kind) {
            case STREAM -> new NewTopic(name, partitions, replication);
            case COMPACTED_STATE -> new NewTopic(name, 1, replication).configs(Map.of(
                    TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT,
                    TopicConfig.MIN_COMPACTION_LAG_MS_CONFIG, "0"));
            case LOGGED_STATE -> new NewTopic(name, 1, replication).configs(KEEP_EVERY_WRITE);
        };
    }

    /**
     * Creates the missing topics of {@code wanted}; existing ones that should keep every write are switched to it,
     * including one that a listing taken a moment after its creation did not show yet (it then exists on create).
     */
    private void create(List<NewTopic> wanted) {
        try {
            Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
            for (NewTopic t : wanted) {
                if (existing.contains(t.name()) && keepsEveryWrite(t)) {
                    keepEveryWrite(t.name());
                }
            }
            List<NewTopic> missing = wanted.stream().filter(t -> !existing.contains(t.name())).toList();
            if (missing.isEmpty()) {
                return;
            }
            var created = admin.createTopics(missing).values();
            for (NewTopic t : missing) {
                try {
                    created.get(t.name()).get(30, TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw new IllegalStateException("cannot create topic " + t.name() + ": " + e.getCause().getMessage(), e.getCause());
                    }
                    if (keepsEveryWrite(t)) {
                        keepEveryWrite(t.name());
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topics", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot reach Kafka to create topics: " + e.getMessage(), e);
        }
    }

    /** The configuration of a topic that keeps every write: no compaction, no time or size limit. */
    private static final Map<String, String> KEEP_EVERY_WRITE = Map.of(
            TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_DELETE,
            TopicConfig.RETENTION_MS_CONFIG, "-1",
            TopicConfig.RETENTION_BYTES_CONFIG, "-1");

    private static boolean keepsEveryWrite(NewTopic t) {
        return KEEP_EVERY_WRITE.equals(t.configs());
    }

    /** How long a topic whose create answered "exists" may stay unknown to the broker's metadata. */
    private static final long UNKNOWN_TOPIC_WAIT_NANOS = TimeUnit.SECONDS.toNanos(30);

    /**
     * Makes an existing topic keep every write unless it already does: a state topic an earlier release created
     * compacted. A topic that another replica created a moment ago exists for the controller (our create answered
     * "exists") before the broker's metadata knows it, and describe/alter then answer "unknown topic": retried with a
     * deadline, since the topic is known to exist.
     */
    private void keepEveryWrite(String topic) throws InterruptedException, ExecutionException, TimeoutException {
        long deadline = System.nanoTime() + UNKNOWN_TOPIC_WAIT_NANOS;
        long backoffMs = 20;
        while (true) {
            try {
                switchIfNeeded(topic);
                return;
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException) || System.nanoTime() > deadline) {
                    throw e;
                }
                LOG.debug("topic {} not yet in the broker's metadata; retrying in {} ms", topic, backoffMs);
                Thread.sleep(backoffMs);
                backoffMs = Math.min(backoffMs * 2, 500);
            }
        }
    }

    private void switchIfNeeded(String topic) throws InterruptedException, ExecutionException, TimeoutException {
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        Config current = admin.describeConfigs(List.of(resource)).all().get(30, TimeUnit.SECONDS).get(resource);
        boolean ok = KEEP_EVERY_WRITE.entrySet().stream().allMatch(e -> current.get(e.getKey()) != null
                && e.getValue().equals(current.get(e.getKey()).value()));
        if (ok) {
            return;
        }
        LOG.info("topic {}: switching to cleanup.policy=delete with unlimited retention (was {})", topic,
                current.get(TopicConfig.CLEANUP_POLICY_CONFIG) == null ? "?" : current.get(TopicConfig.CLEANUP_POLICY_CONFIG).value());
        admin.incrementalAlterConfigs(Map.of(resource, KEEP_EVERY_WRITE.entrySet().stream()
                .map(e -> new AlterConfigOp(new ConfigEntry(e.getKey(), e.getValue()), AlterConfigOp.OpType.SET)).toList()))
                .all().get(30, TimeUnit.SECONDS);
    }
}
