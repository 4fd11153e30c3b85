package dev.mmpeft.spark.cli;

import dev.mmpeft.spark.SparkJobException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The {@code --flag value} and {@code --switch} arguments of a main class, checked against the
 * flags it knows. Why not a parser library: the application jar stays small and the three mains
 * need nothing more; a bad flag is a {@link SparkJobException} naming it.
 */
final class MainArgs {
    private final String command;
    private final Map<String, String> values = new LinkedHashMap<>();

    private MainArgs(String command) {
        this.command = command;
    }

    /** Parses {@code args}; {@code flags} take a value, {@code switches} do not. */
    static MainArgs parse(String command, String[] args, Set<String> flags, Set<String> switches) {
        MainArgs a = new MainArgs(command);
        for (int i = 0; i < args.length; i++) {
            String name = args[i];
            if (switches.contains(name)) {
                a.values.put(name, "true");
            } else if (flags.contains(name)) {
                if (i + 1 >= args.length) {
                    throw new SparkJobException(command + ": " + name + " needs a value");
                }
                a.values.put(name, args[++i]);
            } else {
                List<String> known = new ArrayList<>(flags);
                known.addAll(switches);
                known.sort(null);
                throw new SparkJobException(command + ": unknown argument '" + name + "'; expected one of " + known);
            }
        }
        return a;
    }

    Optional<String> get(String flag) {
        return Optional.ofNullable(values.get(flag));
    }

    String require(String flag) {
        return get(flag).orElseThrow(() -> new SparkJobException(command + ": " + flag + " is required"));
    }

    Path path(String flag) {
        return Path.of(require(flag)).toAbsolutePath();
    }

    boolean on(String flag) {
        return values.containsKey(flag);
    }

    int integer(String flag, int fallback) {
        return get(flag).map(v -> parseInt(flag, v)).orElse(fallback);
    }

    double number(String flag, double fallback) {
        String v = values.get(flag);
        if (v == null) {
            return fallback;
        }
        try {
            return Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new SparkJobException(command + ": " + flag + " must be a number, got '" + v + "'");
        }
    }

    List<Integer> integers(String flag, List<Integer> fallback) {
        String v = values.get(flag);
        if (v == null) {
            return fallback;
        }
        List<Integer> out = new ArrayList<>();
        for (String part : v.split(",")) {
            if (!part.isBlank()) {
                out.add(parseInt(flag, part.trim()));
            }
        }
        return out;
    }

    private int parseInt(String flag, String v) {
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new SparkJobException(command + ": " + flag + " must be a whole number, got '" + v + "'");
        }
    }

    /** Runs a main's body: a bad argument or job prints one line and exits 1 (2 for bad flags), as ./mmpeft does. */
    static void run(String command, String usage, String[] args, MainBody body) {
        if (args.length == 1 && (args[0].equals("--help") || args[0].equals("-h"))) {
            System.out.println(usage);
            return;
        }
        try {
            body.run(args);
        } catch (SparkJobException e) {
            // a bad flag's message already starts with the command's name (exit 2); a failed job's does not (exit 1)
            boolean badFlag = e.getMessage().startsWith(command + ":");
            System.err.println(badFlag ? e.getMessage() : command + ": " + e.getMessage());
            System.exit(badFlag ? 2 : 1);
        } catch (Exception e) {
            System.err.println(command + ": " + e);
            if (System.getenv("MMPEFT_DEBUG") != null) {
                e.printStackTrace();
            }
            System.exit(1);
        }
    }

    /** A main's body. */
    @FunctionalInterface
    interface MainBody {
        void run(String[] args) throws Exception;
    }
}
