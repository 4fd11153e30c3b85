package dev.mmpeft.core.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Test resources of sdk-core (for example {@code hf-configs/instructblip-flan-t5-xl/config.json})
 * as files, for tests of any module: from the test-classes folder when the resource is a file,
 * else copied out of the sdk-core test-jar into a temporary folder.
 */
public final class TestResources {
    private TestResources() {}

    /** The Hugging Face hub config of a model kept under {@code hf-configs/NAME/config.json}. */
    public static Path hfConfig(String name) {
        return path("hf-configs/" + name + "/config.json");
    }

    /** A classpath resource as a file; a missing resource is a test failure. */
    public static Path path(String resource) {
        URL url = TestResources.class.getClassLoader().getResource(resource);
        if (url == null) {
            throw new AssertionError("missing test resource " + resource + " (sdk-core src/test/resources)");
        }
        try {
            if ("file".equals(url.getProtocol())) {
                return Path.of(url.toURI());
            }
            Path dir = Files.createTempDirectory("mmpeft-test-resource");
            Path copy = dir.resolve(resource);
            Files.createDirectories(copy.getParent());
            try (InputStream in = url.openStream()) {
                Files.copy(in, copy, StandardCopyOption.REPLACE_EXISTING);
            }
            // deleteOnExit runs in reverse order of registration: the folder first, the file last
            Path p = dir;
            p.toFile().deleteOnExit();
            for (Path name : dir.relativize(copy)) {
                p = p.resolve(name);
                p.toFile().deleteOnExit();
            }
            return copy;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
