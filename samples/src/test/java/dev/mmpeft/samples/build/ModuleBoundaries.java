package dev.mmpeft.samples.build;

import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/**
 * The module rules, checked on compiled classes: a class of one module may refer only to modules
 * its module depends on (the declared arrows, followed transitively, so arrows stay one-way), and
 * never to another module's {@code ..internal..} packages; every package belongs to one module.
 */
final class ModuleBoundaries {
    /**
     * One module: its root package, the modules it may use directly, and where its classes are.
     *
     * @param classes a classes folder or a jar
     * @param packagePrefix only classes under this package are checked (the root package, or a fixture's)
     */
    record Module(String name, String rootPackage, Set<String> arrows, Path classes, String packagePrefix) {}

    private final Map<String, Module> modules = new LinkedHashMap<>();

    ModuleBoundaries add(Module m) {
        modules.put(m.name(), m);
        return this;
    }

    Module module(String name) {
        return modules.get(name);
    }

    /** The modules {@code name} may use: its arrows, followed transitively. */
    Set<String> reachable(String name) {
        Set<String> out = new TreeSet<>();
        List<String> todo = new ArrayList<>(modules.get(name).arrows());
        while (!todo.isEmpty()) {
            String next = todo.remove(todo.size() - 1);
            if (out.add(next)) {
                todo.addAll(modules.get(next).arrows());
            }
        }
        return out;
    }

    /** The module whose root package holds {@code className}, if any. */
    Optional<Module> ownerOf(String className) {
        return modules.values().stream()
                .filter(m -> className.startsWith(m.rootPackage() + "."))
                .max(Comparator.comparingInt(m -> m.rootPackage().length()));
    }

    /** Every broken rule, one line each: {@code module: class -> referenced class (why)}. */
    List<String> violations() throws IOException {
        List<String> out = new ArrayList<>();
        for (Module m : modules.values()) {
            if (reachable(m.name()).contains(m.name())) {
                out.add(m.name() + ": its arrows lead back to itself (a cycle)");
            }
        }
        Map<String, String> packageOwners = new TreeMap<>();
        for (Module m : modules.values()) {
            Set<String> allowed = reachable(m.name());
            for (Map.Entry<String, byte[]> c : classes(m).entrySet()) {
                String cls = c.getKey();
                String pkg = cls.substring(0, cls.lastIndexOf('.'));
                String other = packageOwners.putIfAbsent(pkg, m.name());
                if (other != null && !other.equals(m.name())) {
                    out.add(m.name() + ": package " + pkg + " is also in module " + other);
                }
                for (String ref : ClassReferences.of(c.getValue())) {
                    Optional<Module> owner = ownerOf(ref);
                    if (owner.isEmpty() || owner.get().name().equals(m.name())) {
                        continue;
                    }
                    String target = owner.get().name();
                    if (!allowed.contains(target)) {
                        out.add(m.name() + ": " + cls + " -> " + ref + " (" + m.name() + " does not depend on " + target + ")");
                    } else if (ref.contains(".internal.")) {
                        out.add(m.name() + ": " + cls + " -> " + ref + " (internal to " + target + ")");
                    }
                }
            }
        }
        return out;
    }

    /** The classes of a module under its package prefix, by dotted name. */
    static Map<String, byte[]> classes(Module m) throws IOException {
        Map<String, byte[]> out = new TreeMap<>();
        String prefix = m.packagePrefix().replace('.', '/') + "/";
        if (Files.isDirectory(m.classes())) {
            try (Stream<Path> walk = Files.walk(m.classes())) {
                for (Path p : walk.filter(f -> f.toString().endsWith(".class")).toList()) {
                    String rel = m.classes().relativize(p).toString().replace('\\', '/');
                    if (rel.startsWith(prefix) && !rel.endsWith("module-info.class")) {
                        out.put(rel.substring(0, rel.length() - 6).replace('/', '.'), Files.readAllBytes(p));
                    }
                }
            }
        } else {
            try (JarFile jar = new JarFile(m.classes().toFile())) {
                for (JarEntry e : java.util.Collections.list(jar.entries())) {
                    if (e.getName().startsWith(prefix) && e.getName().endsWith(".class")) {
                        try (InputStream in = jar.getInputStream(e)) {
                            out.put(e.getName().substring(0, e.getName().length() - 6).replace('/', '.'), in.readAllBytes());
                        }
                    }
                }
            }
        }
        return out;
    }

    /** The classes folder or jar a class was loaded from. */
    static Path locationOf(Class<?> anchor) {
        try {
            return Path.of(anchor.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static Set<String> set(String... names) {
        return new LinkedHashSet<>(List.of(names));
    }
}
