package dev.mmpeft.datasets.prompt;

import com.google.common.collect.ImmutableList;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * A parsed template string: literal text and {@code {name}} placeholders ({@code {{} and
 * {@code }}} stand for literal braces). Unknown names are refused when parsing, with the position
 * and the list of names that exist, so a typo fails before a run starts rather than rendering
 * an empty hole into thousands of prompts.
 */
final class TemplateText {
    /** Metadata fields are reachable as {@code {meta.FIELD}}. */
    static final String META_PREFIX = "meta.";

    private final String source;
    private final List<Object> parts; // String literal or Placeholder

    private record Placeholder(String name) {}

    private TemplateText(String source, List<Object> parts) {
        this.source = source;
        this.parts = parts;
    }

    static TemplateText parse(String template, String what, Set<String> known) {
        ImmutableList.Builder<Object> parts = ImmutableList.builder();
        StringBuilder lit = new StringBuilder();
        int i = 0;
        while (i < template.length()) {
            char c = template.charAt(i);
            if (c == '{') {
                if (i + 1 < template.length() && template.charAt(i + 1) == '{') {
                    lit.append('{');
                    i += 2;
                    continue;
                }
                int end = template.indexOf('}', i + 1);
                if (end < 0) {
                    throw new TemplateException(what + " template \"" + template + "\": unclosed '{' at position " + i
                            + " (write {{ for a literal brace)");
                }
                String name = template.substring(i + 1, end).trim();
                boolean isMeta = name.startsWith(META_PREFIX) && name.length() > META_PREFIX.length();
                if (!isMeta && !known.contains(name)) {
                    throw new TemplateException(what + " template \"" + template + "\": unknown placeholder {" + name
                            + "} at position " + i + " (known: " + String.join(", ", known.stream().sorted().map(k -> "{" + k + "}").toList())
                            + ", and {meta.FIELD} for any metadata field)");
                }
                if (lit.length() > 0) {
                    parts.add(lit.toString());
                    lit.setLength(0);
                }
                parts.add(new Placeholder(name));
                i = end + 1;
            } else if (c == '}') {
                if (i + 1 < template.length() && template.charAt(i + 1) == '}') {
                    lit.append('}');
                    i += 2;
                    continue;
                }
                throw new TemplateException(what + " template \"" + template + "\": unmatched '}' at position " + i
                        + " (write }} for a literal brace)");
            } else {
                lit.append(c);
                i++;
            }
        }
        if (lit.length() > 0) {
            parts.add(lit.toString());
        }
        return new TemplateText(template, parts.build());
    }

    /** Whether the template uses placeholder {@code name}. */
    boolean uses(String name) {
        return parts.stream().anyMatch(p -> p instanceof Placeholder ph && ph.name().equals(name));
    }

    String render(Function<String, String> values) {
        StringBuilder sb = new StringBuilder();
        for (Object p : parts) {
            if (p instanceof Placeholder ph) {
                sb.append(values.apply(ph.name()));
            } else {
                sb.append((String) p);
            }
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return source;
    }
}
