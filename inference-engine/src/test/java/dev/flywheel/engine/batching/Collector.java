package dev.flywheel.engine.batching;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** Records one request's stream. */
final class Collector implements GenerationListener {
    final List<Integer> tokens = new ArrayList<>();
    final StringBuilder streamed = new StringBuilder();
    final CompletableFuture<GenerationResult> result = new CompletableFuture<>();

    @Override
    public synchronized void onToken(int token, String textDelta) {
        tokens.add(token);
        streamed.append(textDelta);
    }

    @Override
    public void onComplete(GenerationResult r) {
        result.complete(r);
    }

    @Override
    public void onError(GenerationException error) {
        result.completeExceptionally(error);
    }

    GenerationResult done() {
        if (!result.isDone()) {
            throw new AssertionError("request has not finished");
        }
        return result.join();
    }
}
