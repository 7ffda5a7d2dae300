package dev.flywheel.dashboards;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where the shipped files are, found from the test's working directory (the module directory under Maven). */
public final class RepositoryFiles {
    private RepositoryFiles() {}

    public static Path root() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null) {
            if (Files.isDirectory(dir.resolve("dashboards/grafana")) && Files.isDirectory(dir.resolve("infra"))) {
                return dir;
            }
            dir = dir.getParent();
        }
        throw new IllegalStateException("cannot find the repository root (a folder holding dashboards/grafana and infra) above "
                + Path.of("").toAbsolutePath());
    }

    public static Path dashboards() {
        return root().resolve("dashboards/grafana/dashboards");
    }

    public static Path provisioning() {
        return root().resolve("dashboards/grafana/provisioning");
    }

    public static Path deploy() {
        return root().resolve("infra/deploy");
    }
}
