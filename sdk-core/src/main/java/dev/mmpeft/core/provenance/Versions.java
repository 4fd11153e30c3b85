package dev.mmpeft.core.provenance;

import ai.djl.engine.Engine;
import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** Versions of the software a run used: this SDK, DJL, the engine (PyTorch) and Java. */
public final class Versions {
    private Versions() {}

    /**
     * This SDK's version: the jar manifest's {@code Implementation-Version}, else Maven's
     * {@code pom.properties}, else {@code "development build"} (classes run from a source tree).
     */
    public static String sdk() {
        String v = Versions.class.getPackage().getImplementationVersion();
        if (v != null) {
            return v;
        }
        try (InputStream in = Versions.class.getResourceAsStream("/META-INF/maven/dev.mmpeft/sdk-core/pom.properties")) {
            if (in != null) {
                Properties p = new Properties();
                p.load(in);
                String pv = p.getProperty("version");
                if (pv != null) {
                    return pv;
                }
            }
        } catch (IOException e) {
            // fall through: the version is informative, not essential
        }
        return "development build";
    }

    /** DJL's version. */
    public static String djl() {
        return Engine.getDjlVersion();
    }

    /** The default engine's name ({@code PyTorch}). */
    public static String engine() {
        return Engine.getInstance().getEngineName();
    }

    /** The engine's version (for PyTorch: the libtorch version, e.g. {@code 2.7.1}). */
    public static String engineVersion() {
        return Engine.getInstance().getVersion();
    }

    /** Java's runtime version and vendor. */
    public static String java() {
        return System.getProperty("java.runtime.version", System.getProperty("java.version"))
                + " (" + System.getProperty("java.vendor", "unknown vendor") + ")";
    }

    /** The operating system and architecture. */
    public static String os() {
        return System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch");
    }
}
