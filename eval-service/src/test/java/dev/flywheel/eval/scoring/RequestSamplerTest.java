package dev.flywheel.eval.scoring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flywheel.eval.evaluators.Sampling;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class RequestSamplerTest {
    private final RequestSampler sampler = new RequestSampler();

    @Test
    void samplingHashMatchesGoldenVectors() throws Exception {
        try (InputStream in = getClass().getResourceAsStream("/golden/sampler-v1.tsv")) {
            int checked = 0;
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (line.startsWith("#") || line.isEmpty()) {
                    continue;
                }
                String[] f = line.split("\t", -1);
                assertEquals(Double.parseDouble(f[2]), RequestSampler.unit(f[0], f[1]), 0.0, line);
                checked++;
            }
            assertEquals(5, checked);
        }
    }

    @Test
    void rateIsRespectedAndTheChoiceIsStablePerRequest() {
        Sampling tenth = new Sampling(0.1, List.of(), List.of());
        int hits = 0;
        for (int i = 0; i < 20_000; i++) {
            boolean first = sampler.sampled(tenth, "judge", "req-" + i, "", "");
            assertEquals(first, sampler.sampled(tenth, "judge", "req-" + i, "", ""));
            hits += first ? 1 : 0;
        }
        assertTrue(hits > 1_800 && hits < 2_200, "sampled " + hits + " of 20000 at rate 0.1");
    }

    @Test
    void filtersRestrictToTheListedExperimentsAndVariants() {
        Sampling s = new Sampling(1.0, List.of("exp1"), List.of("treatment"));
        assertTrue(sampler.sampled(s, "e", "r", "exp1", "treatment"));
        assertFalse(sampler.sampled(s, "e", "r", "exp1", "control"));
        assertFalse(sampler.sampled(s, "e", "r", "exp2", "treatment"));
        assertFalse(sampler.sampled(new Sampling(0, List.of(), List.of()), "e", "r", "", ""));
    }
}
