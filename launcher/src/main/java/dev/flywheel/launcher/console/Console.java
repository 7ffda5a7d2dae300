package dev.flywheel.launcher.console;

import java.io.PrintStream;
import java.util.Locale;

/**
 * The demo's terminal output. On a terminal: colour headings and one live status line redrawn in place
 * ({@code \r} + erase-line) with a progress bar; elsewhere (a pipe, CI, a log file): plain lines, and a status line
 * only when its text changes by a whole tenth of progress, so logs stay readable.
 */
public final class Console {
    private static final String RESET = "\u001b[0m";
    private static final int BAR_WIDTH = 28;

    private final PrintStream out;
    private final boolean ansi;
    private boolean statusShown;
    private int lastPlainTenth = -1;
    private String lastPlainLabel = "";

    public Console(PrintStream out, boolean ansi) {
        this.out = out;
        this.ansi = ansi;
    }

    /** ANSI when stdout is a terminal and NO_COLOR is unset. */
    public static Console system() {
        java.io.Console c = System.console();
        boolean tty = c != null && c.isTerminal() && System.getenv("NO_COLOR") == null;
        return new Console(System.out, tty);
    }

    public boolean ansi() {
        return ansi;
    }

    /** A section heading: "== text ==". */
    public synchronized void heading(String text) {
        line(ansi ? "\u001b[1;36m== " + text + " ==" + RESET : "== " + text + " ==");
    }

    /** A line of one kind: ok (green), warn (yellow), bad (red), info (plain). */
    public synchronized void say(Tone tone, String text) {
        line(ansi && tone != Tone.INFO ? tone.code + text + RESET : text);
    }

    public synchronized void line(String text) {
        clearStatus();
        out.println(text);
        out.flush();
    }

    /**
     * The live status: a bar for {@code done / total} (total <= 0: no bar) and a label. On a terminal it replaces
     * the previous status; in plain mode it prints when progress crosses a tenth or the label's first word changes.
     */
    public synchronized void progress(String label, double done, double total) {
        double f = total > 0 ? Math.max(0, Math.min(1, done / total)) : -1;
        String bar = f < 0 ? "" : bar(f) + String.format(Locale.ROOT, " %3.0f%% ", f * 100);
        if (ansi) {
            out.print("\r\u001b[2K" + bar + label);
            out.flush();
            statusShown = true;
            return;
        }
        int tenth = f < 0 ? -1 : (int) (f * 10);
        String head = label.split(" ", 2)[0];
        if (tenth != lastPlainTenth || !head.equals(lastPlainLabel)) {
            lastPlainTenth = tenth;
            lastPlainLabel = head;
            out.println(bar + label);
            out.flush();
        }
    }

    /** Ends the live status line (a terminal keeps it as a line of history). */
    public synchronized void endProgress() {
        if (statusShown) {
            out.println();
            statusShown = false;
        }
        lastPlainTenth = -1;
        lastPlainLabel = "";
    }

    static String bar(double fraction) {
        int full = (int) Math.round(fraction * BAR_WIDTH);
        return "[" + "#".repeat(full) + ".".repeat(BAR_WIDTH - full) + "]";
    }

    private void clearStatus() {
        if (statusShown) {
            out.print("\r\u001b[2K");
            statusShown = false;
        }
    }

    /** How a line reads. */
    public enum Tone {
        INFO(""), OK("\u001b[32m"), WARN("\u001b[33m"), BAD("\u001b[31m");

        private final String code;

        Tone(String code) {
            this.code = code;
        }
    }
}
