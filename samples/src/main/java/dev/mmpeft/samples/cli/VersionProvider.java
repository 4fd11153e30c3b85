package dev.mmpeft.samples.cli;

import picocli.CommandLine;

/** Prints the SDK, DJL and Java versions for {@code --version}. */
public final class VersionProvider implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
        String sdk = MmpeftCli.class.getPackage().getImplementationVersion();
        return new String[] {
            "mmpeft " + (sdk == null ? "0.1.0-SNAPSHOT" : sdk),
            "DJL " + ai.djl.engine.Engine.getDjlVersion(),
            "Java " + System.getProperty("java.version")
        };
    }
}
