package dev.mmpeft.samples.build;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * The build's promises, checked on the sources: every package of every module documents itself
 * in a {@code package-info.java} marked {@code @NullMarked}, every module jar is named for the
 * module system, and the samples consume the SDK exactly like a user project (the BOM imported,
 * no versions of our artifacts, no parent).
 */
class BuildLayoutTest {

    /** The repository root: the nearest folder above the samples holding the mmpeft-parent pom. */
    static Path root() throws Exception {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path pom = dir.resolve("pom.xml");
            if (Files.isRegularFile(pom) && text(xml(pom).getDocumentElement(), "artifactId").equals("mmpeft-parent")) {
                return dir;
            }
        }
        throw new AssertionError("no mmpeft-parent pom.xml above " + Path.of("").toAbsolutePath());
    }

    static List<String> modules() throws Exception {
        List<String> modules = new ArrayList<>();
        for (Element m : children(child(xml(root().resolve("pom.xml")).getDocumentElement(), "modules"), "module")) {
            modules.add(m.getTextContent().trim());
        }
        return modules;
    }

    @Test
    void theReactorBuildsEveryModuleInDependencyOrder() throws Exception {
        // sdk-plots is the only module with a chart library; sdk-experiments composes peft, datasets, eval and plots;
        // sdk-spark (optional, Spark provided) runs experiments on a cluster and nothing depends on it
        assertEquals(List.of("bom", "sdk-core", "sdk-models", "sdk-peft", "sdk-datasets", "sdk-eval", "sdk-plots",
                "sdk-experiments", "sdk-serving", "sdk-spark", "samples", "samples/user-project"), modules());
    }

    @Test
    void everyPackageHasADocumentedNullMarkedPackageInfo() throws Exception {
        List<String> problems = new ArrayList<>();
        int packages = 0;
        for (String module : modules()) {
            Path src = root().resolve(module).resolve("src/main/java");
            if (!Files.isDirectory(src)) {
                continue; // a module without main code yet (or the BOM)
            }
            List<Path> dirs;
            try (Stream<Path> walk = Files.walk(src)) {
                dirs = walk.filter(Files::isDirectory).toList();
            }
            for (Path dir : dirs) {
                if (!hasJava(dir)) {
                    continue;
                }
                packages++;
                Path info = dir.resolve("package-info.java");
                String pkg = src.relativize(dir).toString().replace('/', '.');
                if (!Files.isRegularFile(info)) {
                    problems.add(module + ": package " + pkg + " has no package-info.java");
                    continue;
                }
                String text = Files.readString(info);
                if (!text.contains("@NullMarked")) {
                    problems.add(module + ": " + pkg + "/package-info.java lacks @NullMarked");
                }
                if (!text.contains("/**")) {
                    problems.add(module + ": " + pkg + "/package-info.java has no javadoc saying what lives there");
                }
                if (!text.contains("package " + pkg + ";")) {
                    problems.add(module + ": " + pkg + "/package-info.java declares another package");
                }
            }
        }
        assertTrue(packages >= 8, "found only " + packages + " packages");
        assertEquals(List.of(), problems);
    }

    private static boolean hasJava(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.anyMatch(f -> f.toString().endsWith(".java") && !f.getFileName().toString().equals("package-info.java"));
        }
    }

    @Test
    void everyModuleJarGetsAnAutomaticModuleName() throws Exception {
        // the parent's jar plugin writes Automatic-Module-Name from each module's module.name property
        Element parent = xml(root().resolve("pom.xml")).getDocumentElement();
        String entry = null;
        for (Element plugin : all(parent, "plugin")) {
            if (text(plugin, "artifactId").equals("maven-jar-plugin")) {
                for (Element e : all(plugin, "Automatic-Module-Name")) {
                    entry = e.getTextContent().trim();
                }
            }
        }
        assertEquals("${module.name}", entry);
        List<String> checkedJars = new ArrayList<>();
        for (String module : modules()) {
            if (module.equals("bom")) {
                continue;
            }
            Element pom = xml(root().resolve(module).resolve("pom.xml")).getDocumentElement();
            String name;
            if (children(pom, "parent").isEmpty()) {
                // built like a user project (samples, samples/user-project), so it names itself
                name = all(pom, "Automatic-Module-Name").stream().map(e -> e.getTextContent().trim()).findFirst().orElse("");
                assertEquals(module.equals("samples") ? "dev.mmpeft.samples" : "com.example.hello", name, module);
            } else {
                name = text(child(pom, "properties"), "module.name");
                assertTrue(name.matches("dev\\.mmpeft\\.[a-z]+"), module + ": module.name " + name);
                assertEquals("dev.mmpeft." + module.substring("sdk-".length()), name, module);
                // the name is the module's root package (once the module has code)
                Path src = root().resolve(module).resolve("src/main/java");
                assertTrue(!Files.isDirectory(src) || Files.isDirectory(src.resolve(name.replace('.', '/'))),
                        module + ": no package " + name);
            }
            // when the jars have been built (mvn package), their manifests say it too
            Optional<Path> jar = builtJar(root().resolve(module).resolve("target"));
            if (jar.isPresent()) {
                try (JarFile j = new JarFile(jar.get().toFile())) {
                    assertEquals(name, j.getManifest().getMainAttributes().getValue("Automatic-Module-Name"), jar.get().toString());
                }
                checkedJars.add(jar.get().getFileName().toString());
            }
        }
        System.out.println("manifests checked in built jars: " + (checkedJars.isEmpty() ? "none built yet (run mvn package)" : checkedJars));
    }

    private static Optional<Path> builtJar(Path target) throws IOException {
        if (!Files.isDirectory(target)) {
            return Optional.empty();
        }
        try (Stream<Path> files = Files.list(target)) {
            return files.filter(f -> {
                String n = f.getFileName().toString();
                return n.endsWith(".jar") && !n.endsWith("-tests.jar") && !n.endsWith("-sources.jar");
            }).findFirst();
        }
    }

    @Test
    void samplesBuildLikeAUserProject() throws Exception {
        for (String project : List.of("samples", "samples/user-project")) {
            // samples use every SDK module; the user project peft and experiments (the rest comes with them)
            assertBuildsLikeAUserProject(project, project.equals("samples") ? 7 : 2);
        }
    }

    private static void assertBuildsLikeAUserProject(String project, int minOurs) throws Exception {
        Element samples = xml(root().resolve(project).resolve("pom.xml")).getDocumentElement();
        assertTrue(children(samples, "parent").isEmpty(), project + " must not inherit the SDK's build");
        boolean bomImported = false;
        for (Element d : children(child(child(samples, "dependencyManagement"), "dependencies"), "dependency")) {
            if (text(d, "artifactId").equals("mmpeft-bom")) {
                bomImported = text(d, "scope").equals("import") && text(d, "type").equals("pom");
            }
        }
        assertTrue(bomImported, project + "/pom.xml must import dev.mmpeft:mmpeft-bom");
        int ours = 0;
        for (Element d : children(child(samples, "dependencies"), "dependency")) {
            if (text(d, "groupId").equals("dev.mmpeft")) {
                ours++;
                assertTrue(children(d, "version").isEmpty(), project + "/pom.xml gives a version for " + text(d, "artifactId"));
            }
        }
        assertTrue(ours >= minOurs, project + " should use at least " + minOurs + " SDK module(s), found " + ours);
    }

    @Test
    void bomManagesOnlyOurArtifacts() throws Exception {
        // the BOM manages our artifacts only and inherits nothing
        Element bom = xml(root().resolve("bom/pom.xml")).getDocumentElement();
        assertTrue(children(bom, "parent").isEmpty());
        List<Element> managed = children(child(child(bom, "dependencyManagement"), "dependencies"), "dependency");
        assertFalse(managed.isEmpty());
        for (Element d : managed) {
            assertEquals("dev.mmpeft", text(d, "groupId"), "the BOM leaks " + text(d, "artifactId"));
        }
        for (String module : modules()) {
            if (module.startsWith("sdk-")) {
                assertTrue(managed.stream().anyMatch(d -> text(d, "artifactId").equals(module)), "the BOM lacks " + module);
            }
        }
    }

    // ---- tiny DOM helpers --------------------------------------------------------------------

    static Document xml(Path file) throws Exception {
        return DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(file.toFile());
    }

    static List<Element> children(Element parent, String name) {
        List<Element> out = new ArrayList<>();
        NodeList nodes = parent.getChildNodes();
        for (int i = 0; i < nodes.getLength(); i++) {
            Node n = nodes.item(i);
            if (n instanceof Element && ((Element) n).getTagName().equals(name)) {
                out.add((Element) n);
            }
        }
        return out;
    }

    static Element child(Element parent, String name) {
        List<Element> c = children(parent, name);
        if (c.isEmpty()) {
            throw new AssertionError("<" + parent.getTagName() + "> has no <" + name + ">");
        }
        return c.get(0);
    }

    static String text(Element parent, String name) {
        List<Element> c = children(parent, name);
        return c.isEmpty() ? "" : c.get(0).getTextContent().trim();
    }

    static List<Element> all(Element parent, String name) {
        List<Element> out = new ArrayList<>();
        NodeList nodes = parent.getElementsByTagName(name);
        for (int i = 0; i < nodes.getLength(); i++) {
            out.add((Element) nodes.item(i));
        }
        return out;
    }
}
