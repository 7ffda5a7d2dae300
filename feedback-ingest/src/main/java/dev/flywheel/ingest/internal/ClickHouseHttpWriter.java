package dev.flywheel.ingest.internal;

import dev.flywheel.contracts.clickhouse.ClickHouseConfig;
import dev.flywheel.ingest.sink.InsertException;
import dev.flywheel.ingest.sink.TableWriter;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * {@code INSERT INTO db.table (cols) FORMAT TabSeparated} over ClickHouse's HTTP interface with the JDK client.
 * Compression is off ({@code compress=0&decompress=0}: 18.16's compressed HTTP answers empty bodies). One request is
 * one insert; ClickHouse answers 200 only after the rows are written, so a 200 is the acknowledgement the sink
 * commits offsets on. Credentials go in the query string, which is never logged.
 */
public final class ClickHouseHttpWriter implements TableWriter {
    private final ClickHouseConfig config;
    private final HttpClient http;
    private final Duration timeout;

    public ClickHouseHttpWriter(ClickHouseConfig config, Duration timeout) {
        this.config = config;
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).version(HttpClient.Version.HTTP_1_1).build();
    }

    @Override
    public void insert(String table, List<String> columns, int rows, List<ByteBuffer> body) throws InsertException {
        String sql = "INSERT INTO " + config.database() + "." + table + " (" + String.join(", ", columns) + ") FORMAT TabSeparated";
        URI uri = config.httpUrl().resolve("/?compress=0&decompress=0&input_format_allow_errors_num=0"
                + "&user=" + enc(config.user()) + "&password=" + enc(config.password()) + "&query=" + enc(sql));
        ByteBuffersPublisher rowsBody = new ByteBuffersPublisher(body); // no copy (ofByteArray copies the body)
        HttpRequest request = HttpRequest.newBuilder(uri)
                .timeout(timeout)
                .header("Content-Type", "text/tab-separated-values; charset=UTF-8")
                .POST(rowsBody.length() == 0 ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.fromPublisher(rowsBody, rowsBody.length()))
                .build();
        HttpResponse<String> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new InsertException(table, rows, true, "ClickHouse at " + config.httpUrl() + " unreachable: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InsertException(table, rows, true, "interrupted while inserting", e);
        }
        int status = response.statusCode();
        if (status == 200) {
            return;
        }
        String answer = response.body() == null ? "" : response.body().strip();
        if (answer.length() > 500) {
            answer = answer.substring(0, 500) + "...";
        }
        int badRow = badRow(response.body());
        if (badRow >= 0 && badRow < rows) {
            // The data itself: retrying the same bytes can never succeed (18.16 answers these with HTTP 500).
            throw new InsertException(table, rows, false, badRow, "HTTP " + status + ": " + answer, null);
        }
        // 5xx: the server failed (overload, memory, a part being written); 4xx: it rejected the request itself.
        throw new InsertException(table, rows, status >= 500 || status == 429 || status == 408, "HTTP " + status + ": " + answer, null);
    }

    /**
     * ClickHouse's error codes for input it could not read as the table's types (TabSeparated parsing, numbers,
     * dates, enums, ranges); its answer then names the row: "(at row N)", 1-based.
     */
    private static final Set<Integer> DATA_ERRORS = Set.of(6, 26, 27, 32, 33, 38, 41, 53, 69, 70, 72, 117, 131, 321);
    private static final Pattern CODE = Pattern.compile("^Code: (\\d+)");
    private static final Pattern AT_ROW = Pattern.compile("\\(at row (\\d+)\\)");

    /** The 0-based row a data error names, or -1 for any other answer. */
    static int badRow(String answer) {
        if (answer == null) {
            return -1;
        }
        var code = CODE.matcher(answer.strip());
        var row = AT_ROW.matcher(answer);
        if (!code.find() || !DATA_ERRORS.contains(Integer.parseInt(code.group(1))) || !row.find()) {
            return -1;
        }
        long n = Long.parseLong(row.group(1));
        return n >= 1 && n <= Integer.MAX_VALUE ? (int) (n - 1) : -1;
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
