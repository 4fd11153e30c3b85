package dev.mmpeft.samples.build;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmpeft.samples.quickstart.DefaultModel;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code docs/getting-started.md} is a project that works from its text alone: its {@code pom.xml}
 * and {@code Main.java} blocks are written to a fresh folder, the SDK is installed as the page says
 * ({@code mvn install -DskipTests}), and the page's build and run commands are run; the program must
 * print what the page shows, with no SLF4J warning.
 *
 * <p>The install goes to a temporary local repository, never to {@code ~/.m2} (other builds may
 * share it): every folder of {@code ~/.m2/repository} is linked into it except {@code dev/mmpeft},
 * so Maven uses the third-party artifacts it already has and our own freshly built. Maven runs
 * with {@code -nsu}, not offline: on a machine whose {@code ~/.m2} holds only what {@code mvn test}
 * fetched, the install, jar and dependency plugins are missing and come from Maven Central (a fresh
 * CI machine failed here offline); what is present is used without asking the network, and our
 * snapshots are never looked up remotely.
 */
class GettingStartedDocTest {
    private static final Pattern FILE_BLOCK = Pattern.compile("<!-- getting-started:file (\\S+) -->\\n```\\w*\\n(.*?)\\n```",
            Pattern.DOTALL);
    private static final Pattern RUN_BLOCK = Pattern.compile("<!-- getting-started:run -->\\n```bash\\n(.*?)\\n```(.*?)```text\\n(.*?)\\n```",
            Pattern.DOTALL);
    private static final String MODEL_IN_DOC = "~/mmpeft-models/tiny";
    private static final List<String> SDK_MODULES = List.of("bom", "sdk-core", "sdk-models", "sdk-peft", "sdk-datasets", "sdk-eval",
            "sdk-plots", "sdk-experiments");

    @Test
    void thePagesProjectBuildsAndRunsFromItsTextAlone(@TempDir Path tmp) throws Exception {
        Path root = BuildLayoutTest.root();
        String page = Files.readString(root.resolve("docs/getting-started.md"));
        Map<String, String> files = new LinkedHashMap<>();
        Matcher m = FILE_BLOCK.matcher(page);
        while (m.find()) {
            files.put(m.group(1), m.group(2) + "\n");
        }
        assertEquals(Set.of("pom.xml", "src/main/java/com/example/Main.java"), files.keySet());
        Matcher run = RUN_BLOCK.matcher(page);
        assertTrue(run.find(), "the page has a run block followed by the output it shows");
        List<String> commands = run.group(1).lines().filter(l -> !l.isBlank()).toList();
        List<String> shownOutput = run.group(3).lines().toList();
        checkPomCoversTheImports(files.get("pom.xml"), files.get("src/main/java/com/example/Main.java"));

        String mvn = mvnExecutable();
        Path repo = linkedRepository(tmp.resolve("repo"));
        try {
            buildAndRun(root, tmp, repo, mvn, files, commands, shownOutput);
        } finally {
            unlink(repo); // the links only: what they point to in ~/.m2 stays
        }
    }

    private static void buildAndRun(Path root, Path tmp, Path repo, String mvn, Map<String, String> files, List<String> commands,
            List<String> shownOutput) throws Exception {
        // the page's step 1, into the temporary repository
        exec(root, tmp.resolve("install.log"), Map.of(), 600, mvn, "-nsu", "-q", "-B", "install", "-DskipTests",
                "-Dmaven.repo.local=" + repo, "-pl", "." + "," + String.join(",", SDK_MODULES));
        assertTrue(Files.isDirectory(repo.resolve("dev/mmpeft/sdk-experiments/0.1.0-SNAPSHOT")), "installed");

        // the page's step 2: the packaged model in a folder of the user's
        Path model = tmp.resolve("models/tiny");
        DefaultModel.copyPackaged(model);

        Path project = Files.createDirectories(tmp.resolve("my-first-lora"));
        for (Map.Entry<String, String> f : files.entrySet()) {
            Files.createDirectories(project.resolve(f.getKey()).getParent());
            Files.writeString(project.resolve(f.getKey()), f.getValue());
        }
        StringBuilder output = new StringBuilder();
        for (String command : commands) {
            // with the temporary repository, no snapshot lookups; the model where this test put it
            String line = command.replace(MODEL_IN_DOC, model.toString());
            if (line.startsWith("mvn ")) {
                line = "mvn -nsu -B -Dmaven.repo.local=" + repo + line.substring(3);
            }
            assertFalse(line.contains("~"), "the page's command names a path this test does not provide: " + command);
            output.append(exec(project, tmp.resolve("run.log"), Map.of("OMP_WAIT_POLICY", "PASSIVE"), 600, "bash", "-c", line));
        }
        String out = output.toString();
        for (String shown : shownOutput) {
            assertTrue(out.contains(shown), "the page shows '" + shown + "'; the run printed:\n" + out);
        }
        assertTrue(Files.isRegularFile(project.resolve("runs/first-lora/run/adapter/adapter_model.safetensors")), out);
        assertTrue(Files.isRegularFile(project.resolve("runs/first-lora/run/adapter/mmpeft_task.json")), out);
        assertFalse(out.contains("SLF4J"), "no SLF4J warning:\n" + out);
    }

    /** Deletes the symbolic links {@link #linkedRepository} made (never their targets). */
    private static void unlink(Path repo) throws IOException {
        for (Path dir : List.of(repo, repo.resolve("dev"))) {
            if (!Files.isDirectory(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                continue;
            }
            try (Stream<Path> entries = Files.list(dir)) {
                for (Path p : (Iterable<Path>) entries::iterator) {
                    if (Files.isSymbolicLink(p)) {
                        Files.delete(p);
                    }
                }
            }
        }
    }

    /** Every {@code dev.mmpeft.X} package Main imports is in a module the pom lists, and the compiler is pinned to 17. */
    private static void checkPomCoversTheImports(String pom, String main) {
        Set<String> needed = new TreeSet<>();
        Matcher imports = Pattern.compile("import dev\\.mmpeft\\.(\\w+)\\.").matcher(main);
        while (imports.find()) {
            needed.add("sdk-" + imports.group(1));
        }
        assertFalse(needed.isEmpty());
        for (String module : needed) {
            assertTrue(pom.contains("<artifactId>" + module + "</artifactId>"), "Main imports " + module + " but the pom lacks it");
        }
        assertTrue(pom.contains("<artifactId>maven-compiler-plugin</artifactId>") && pom.contains("<release>17</release>"), pom);
        assertTrue(pom.contains("<artifactId>mmpeft-bom</artifactId>") && pom.contains("<artifactId>pytorch-native-cpu</artifactId>")
                && pom.contains("<artifactId>slf4j-simple</artifactId>"), pom);
    }

    private static String mvnExecutable() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, "mvn"))) {
                return Path.of(dir, "mvn").toString();
            }
        }
        Assumptions.abort("mvn is not on the PATH: the page's project cannot be built here");
        throw new AssertionError("unreachable");
    }

    /**
     * A local repository that reads every third-party artifact from the user's {@code ~/.m2} (linked,
     * so nothing is copied) and holds its own {@code dev/mmpeft}, so installing our artifacts there
     * leaves {@code ~/.m2} untouched.
     */
    private static Path linkedRepository(Path repo) throws IOException {
        Path source = Path.of(System.getProperty("mmpeft.m2.repository",
                Path.of(System.getProperty("user.home"), ".m2", "repository").toString()));
        Files.createDirectories(repo.resolve("dev"));
        try (Stream<Path> top = Files.list(source)) {
            for (Path p : (Iterable<Path>) top::iterator) {
                if (!p.getFileName().toString().equals("dev")) {
                    Files.createSymbolicLink(repo.resolve(p.getFileName().toString()), p);
                }
            }
        }
        if (Files.isDirectory(source.resolve("dev"))) {
            try (Stream<Path> dev = Files.list(source.resolve("dev"))) {
                for (Path p : (Iterable<Path>) dev::iterator) {
                    if (!p.getFileName().toString().equals("mmpeft")) {
                        Files.createSymbolicLink(repo.resolve("dev").resolve(p.getFileName().toString()), p);
                    }
                }
            }
        }
        return repo;
    }

    /** Runs a command, returns what it printed; a failure or a timeout fails the test with the output. */
    private static String exec(Path dir, Path log, Map<String, String> env, int seconds, String... command) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(new ArrayList<>(List.of(command))).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        pb.environment().putAll(env);
        Process p = pb.start();
        boolean done = p.waitFor(seconds, TimeUnit.SECONDS);
        if (!done) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
        String out = Files.readString(log, StandardCharsets.UTF_8);
        assertTrue(done, String.join(" ", command) + " took over " + seconds + " s:\n" + out);
        assertEquals(0, p.exitValue(), String.join(" ", command) + " failed:\n" + out);
        return out;
    }
}
