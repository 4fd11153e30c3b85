package dev.mmpeft.peft.bottleneck;

import dev.mmpeft.models.nn.SublayerBlock.Kind;
import dev.mmpeft.peft.PeftException;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/**
 * Where bottleneck adapters go and how they meet the residual stream: Houlsby (after attention and
 * after the feed-forward) or Pfeiffer (after the feed-forward only, reading the residual sum), as
 * AdapterHub's {@code DoubleSeqBnConfig} and {@code SeqBnConfig}.
 */
public enum AdapterPlacement {
    /** After self-attention (and cross-attention, where a component asks for it) and after the feed-forward. */
    HOULSBY("houlsby", "swish", EnumSet.of(Kind.SELF_ATTENTION, Kind.CROSS_ATTENTION, Kind.FEED_FORWARD)),
    /** After the feed-forward only. */
    PFEIFFER("pfeiffer", "relu", EnumSet.of(Kind.FEED_FORWARD));

    private final String jsonValue;
    private final String defaultNonLinearity;
    private final Set<Kind> kinds;

    AdapterPlacement(String jsonValue, String defaultNonLinearity, Set<Kind> kinds) {
        this.jsonValue = jsonValue;
        this.defaultNonLinearity = defaultNonLinearity;
        this.kinds = kinds;
    }

    /** The value in adapter_config.json. */
    public String jsonValue() {
        return jsonValue;
    }

    /** AdapterHub's default non-linearity for this architecture ({@code swish} Houlsby, {@code relu} Pfeiffer). */
    public String defaultNonLinearity() {
        return defaultNonLinearity;
    }

    /** The sub-layer kinds this placement puts adapters after when targets are components. */
    public Set<Kind> kinds() {
        return kinds;
    }

    /** Parses {@code houlsby} or {@code pfeiffer} (case-insensitive). */
    public static AdapterPlacement parse(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        for (AdapterPlacement p : values()) {
            if (p.jsonValue.equals(t)) {
                return p;
            }
        }
        throw new PeftException("placement: unknown value '" + text + "'; expected houlsby or pfeiffer");
    }
}
