package dev.mmpeft.samples.jshell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs {@code samples/jshell/quickstart.jsh} in a real {@code jshell} with the SDK on the class
 * path, as the README tells users to, and checks that it fine-tunes and saves an adapter.
 */
class JshellQuickstartTest {
    /** The test's class path as plain entries (surefire may hand over a manifest-only jar). */
    private static String classPath() throws Exception {
        List<String> entries = new ArrayList<>();
        for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
            if (e.endsWith(".jar") && e.contains("surefire")) {
                try (JarFile jar = new JarFile(e)) {
                    String cp = jar.getManifest().getMainAttributes().getValue("Class-Path");
                    if (cp != null) {
                        for (String url : cp.trim().split("\\s+")) {
                            entries.add(Path.of(URI.create(url)).toString());
                        }
                        continue;
                    }
                }
            }
            entries.add(e);
        }
        return String.join(File.pathSeparator, entries);
    }

    @Test
    void quickstartScriptFineTunesAndSavesAnAdapter(@TempDir Path cache) throws Exception {
        Path script = Path.of("jshell", "quickstart.jsh").toAbsolutePath();
        assertTrue(Files.isRegularFile(script), "missing " + script);
        Path jshell = Path.of(System.getProperty("java.home"), "bin", "jshell");
        ProcessBuilder pb = new ProcessBuilder(jshell.toString(), "-R-Doffline=true", "-R-Dai.djl.pytorch.num_threads=1",
                "-R-Dmmpeft.cache=" + cache, "--class-path", classPath(), script.toString()).redirectErrorStream(true);
        Process p = pb.start();
        String output = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), "jshell did not finish");
        assertEquals(0, p.exitValue(), output);
        assertTrue(!output.contains("Exception") && !output.contains("Error:"), output);
        assertTrue(output.contains("trainable params: 6,528 || all params: 392,672 || trainable%: 1.6625"), output);
        Matcher m = Pattern.compile("zero-shot ([0-9.]+)% -> fine-tuned ([0-9.]+)%").matcher(output);
        assertTrue(m.find(), output);
        assertTrue(Double.parseDouble(m.group(1)) <= 40, output);
        assertTrue(Double.parseDouble(m.group(2)) >= 90, output);
        Matcher a = Pattern.compile("adapter: (\\S+)").matcher(output);
        assertTrue(a.find(), output);
        assertTrue(Files.isRegularFile(Path.of(a.group(1)).resolve("adapter_model.safetensors")), output);
    }
}
