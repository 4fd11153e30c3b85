package dev.mmpeft.eval.caption;

import com.google.common.collect.ImmutableList;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The Stanford PTB lexer (CoreNLP 3.4.1, PTB3 options) that {@link PtbTokenizer} runs, as Java
 * regular expressions matched longest-first in rule order, the way JFlex runs the original
 * grammar. Kept apart from the tokenizer's public face because it is one state machine: its macros,
 * rules and actions read together.
 */
final class PtbLexer {
    private PtbLexer() {}

    // ---------------------------------------------------------------------------------------
    // The lexer. Each rule is a regular expression for the token, optionally followed by a
    // trailing context that must follow it (JFlex's r1/r2); at each position the rule with the
    // longest match (counting the trailing context) wins, ties going to the earlier rule, as in
    // JFlex. Character classes are case-sensitive and literal words case-insensitive, as with
    // JFlex's %caseless.

    /** The grammar's extra letter characters beyond Java letters (marks and the like). */
    private static final String LETTER_EXTRA_RANGES =
            "\u00AD\u0237-\u024F\u02C2-\u02C5\u02D2-\u02DF\u02E5-\u02FF"
                    + "\u0300-\u036F\u0370-\u037D\u0384\u0385\u03CF\u03F6\u03FC-\u03FF"
                    + "\u0483-\u0487\u04CF\u04F6-\u04FF\u0510-\u0525\u055A-\u055F"
                    + "\u0591-\u05BD\u05BF\u05C1\u05C2\u05C4\u05C5\u05C7\u0615-\u061A"
                    + "\u063B-\u063F\u064B-\u065E\u0670\u06D6-\u06EF\u06FA-\u06FF\u070F"
                    + "\u0711\u0730-\u074F\u0750-\u077F\u07A6-\u07B1\u07CA-\u07F5\u07FA"
                    + "\u0900-\u0903\u093C\u093E-\u094E\u0951-\u0955\u0962-\u0963"
                    + "\u0981-\u0983\u09BC-\u09C4\u09C7\u09C8\u09CB-\u09CD\u09D7\u09E2"
                    + "\u09E3\u0A01-\u0A03\u0A3C\u0A3E-\u0A4F\u0A81-\u0A83\u0ABC-\u0ACF"
                    + "\u0B82\u0BBE-\u0BC2\u0BC6-\u0BC8\u0BCA-\u0BCD\u0C01-\u0C03"
                    + "\u0C3E-\u0C56\u0D3E-\u0D44\u0D46-\u0D48\u0E30-\u0E3A\u0E47-\u0E4E"
                    + "\u0EB1-\u0EBC\u0EC8-\u0ECD";

    /**
     * The extra letters that are not already Java letters, as one compact character class:
     * java.util.regex tests a class's ranges one after another, so a short class keeps the
     * lexer fast, and the common case (a Java letter) is tried first.
     */
    private static final String LETTER_EXTRA = compactClass(Pattern.compile("[" + LETTER_EXTRA_RANGES + "]"));

    private static String compactClass(Pattern members) {
        StringBuilder sb = new StringBuilder("[");
        int c = 0;
        while (c < 0x10000) {
            if (isExtra(members, c)) {
                int start = c;
                while (c + 1 < 0x10000 && isExtra(members, c + 1)) {
                    c++;
                }
                sb.append(String.format("\\u%04X", start));
                if (c > start) {
                    sb.append('-').append(String.format("\\u%04X", c));
                }
            }
            c++;
        }
        return sb.append(']').toString();
    }

    private static boolean isExtra(Pattern members, int c) {
        return !Character.isLetter(c) && members.matcher(String.valueOf((char) c)).matches();
    }

    private static final String SPLET = "&[aeiouAEIOU](?i:acute|grave|uml);";
    private static final String LETTER = "(?:\\p{javaLetter}|" + LETTER_EXTRA + "|" + SPLET + ")";
    private static final String JLETTER = "\\p{javaLetter}";
    private static final String DIGIT = "[\\p{javaDigit}\\u07C0-\\u07C9]";
    private static final String SPACE = "[ \\t\\u00A0\\u2000-\\u200A\\u3000]";
    private static final String NEWLINE = "(?:\\r\\n|[\\r\\n\\u2028\\u2029\\u000B\\u000C\\u0085])";
    private static final String SPACENL = "(?:" + SPACE + "|" + NEWLINE + ")";
    private static final String SGML =
            "<(?:[!?][A-Za-z\\-][^>\\r\\n]*|[A-Za-z][A-Za-z0-9_:.\\-]*(?:[ ]+(?:[A-Za-z][A-Za-z0-9_:.\\-]*"
                    + "[ ]*=[ ]*(?:'[^']*'|\"[^\"]*\")|[A-Za-z][A-Za-z0-9_:.\\-]*))*[ ]*/?"
                    + "|/[A-Za-z][A-Za-z0-9_:.\\-]*)[ ]*>";
    private static final String APOS = "(?:['\\u0092\\u2019]|(?i:&apos;))";
    private static final String APOSETC = "(?:" + APOS + "|[`\\u0091\\u2018\\u201B])";
    // Possessive: a word's characters never include what may follow it in any rule (apostrophes,
    // a final period, n't), so giving characters back could never let a rule match; only speed.
    private static final String WORD =
            LETTER + "(?:" + LETTER + "|" + DIGIT + ")*+(?:[.!?]" + LETTER + "(?:" + LETTER + "|" + DIGIT + ")*+)*+";
    private static final String REDAUX = APOS + "(?:[msdMSD]|(?i:re|ve|ll))";
    private static final String SWORD = "[A-Za-z\\u00AD]*[A-MO-Za-mo-z]\\u00AD*";
    private static final String SREDAUX = "(?i:n)" + APOSETC + "(?i:t)";
    private static final String NUM =
            "(?:" + DIGIT + "*(?:[.:,\\u00AD\\u066B\\u066C]" + DIGIT + "+)+|" + DIGIT + "+)";
    private static final String HYPHEN = "[\\-_\\u058A\\u2010\\u2011]";
    private static final String LD = "[" + JLETTER.substring(0) + "\\p{javaDigit}]";
    private static final String THING_PART = "(?:[dDoOlL]" + APOSETC + LD + ")?" + LD + "++";
    private static final String THING = THING_PART + "(?:" + HYPHEN + THING_PART + ")*";
    private static final String THINGA = "[A-Z]+(?:(?:[+&]|(?i:&amp;))[A-Z]+)+";
    private static final String ACRO =
            "(?:(?i:U\\.S\\.-(?:U\\.K|U\\.S\\.S\\.R)|(?:Canada|Sino|Korean|EU|Japan|non)-U\\.S)"
                    + "|[A-Za-z](?:\\.[A-Za-z])*)";
    private static final String ACRO2 =
            "(?:(?i:U\\.S\\.-(?:U\\.K|U\\.S\\.S\\.R)|(?:Canada|Sino|Korean|EU|Japan|non)-U\\.S)"
                    + "|[A-Za-z](?:\\.[A-Za-z])+)";
    private static final String HTHING =
            "[A-Za-z0-9][A-Za-z0-9.,\\u00AD]*(?:-(?:" + ACRO2 + "\\.|[A-Za-z0-9\\u00AD]+))+";
    private static final String ABMONTH = "(?i:Sept|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Oct|Nov|Dec)";
    private static final String ABDAYS = "(?i:Tues|Thurs|Mon|Tue|Wed|Thu|Fri)";
    private static final String ABSTATE =
            "(?:(?i:Ala|Ariz|Calif|Colo|Conn|Ct|Dak|Fla|Ga|Ind|Kans|Kan|Ky|Md|Mich|Minn|Mont|Mo|Neb|Nev|Okla"
                    + "|Penn|Tenn|Va|Vt|Wisc|Wis|Wyo)|A(?i:z)|A(?i:rk)|D(?i:el)|I(?i:ll)|L(?i:a)|M(?i:ass)"
                    + "|M(?i:iss)|O(?i:re)|P(?i:a)|T(?i:ex)|W(?i:ash))";
    private static final String ABCOMP =
            "(?:(?i:Inc|Cos|Co|Corp|Ltd|Plc|Rt|Bancorp|Bhd|Assn|Univ|Intl|Sys)|(?i:pp?t)[ye](?i:s)?)";
    private static final String ABNUM = "(?i:tel|est|ext|sq)";
    private static final String ABPTIT = "(?i:Jr|Sr|Bros|Ed\\.D|Ph\\.D|Blvd|Rd|Esq)";
    private static final String ABBREV1 =
            "(?=[A-Za-z.]{1,8}\\.)(?:" + ABMONTH + "|" + ABDAYS + "|" + ABSTATE + "|" + ABCOMP + "|" + ABNUM + "|" + ABPTIT
                    + "|(?i:etc|al|seq|Bldg))\\.";
    private static final String ABTITLE =
            "(?:(?i:Mrs|Mr|Ms|Drs|Dr|Profs|Prof|Sens|Sen|Reps|Rep|Attys|Atty|Lt|Col|Gen|Messrs|Govs|Gov|Adm|Rev"
                    + "|Maj|Sgt|Cpl|Pvt|Capt|Ste|St|Ave|Pres|Lieut|Hon|Brig|Comdr|Cmdr|Pfc|Spc|Supts|Supt|Det|Mt|Ft"
                    + "|Adj|Adv|Asst|Assoc|Ens|Insp|Mlle|Mme|Msgr|Sfc)|M(?i:iss))";
    private static final String ABCOMP2 = "(?i:Invt|Elec|Natl|Mfg|Mtg|Dept)";
    private static final String ABBREV4 =
            "(?:" + ABTITLE + "|(?i:vs|Alex|Wm|Jos|Cie|a\\.k\\.a|cf|TREAS|Ph)|" + ABCOMP2 + "|" + ACRO + ")";
    private static final String QUOTES =
            "(?:[`\\u2018\\u2019\\u201A\\u201B\\u201C\\u201D\\u0091\\u0092\\u0093\\u0094\\u201E\\u201F\\u2039"
                    + "\\u203A\\u00AB\\u00BB]{1,2}|''|" + APOS + ")";
    private static final String DBLQUOT = "(?:\"|(?i:&quot;))";
    private static final String MISCSYMBOL =
            "[+%&~^|\\\\\\u00A6\\u00A7\\u00A8\\u00A9\\u00AC\\u00AE\\u00AF\\u00B0-\\u00B3\\u00B4-\\u00BA\\u00D7"
                    + "\\u00F7\\u0387\\u05BE\\u05C0\\u05C3\\u05C6\\u05F3\\u05F4\\u0600-\\u0603\\u0606-\\u060A\\u060C"
                    + "\\u0614\\u061B\\u061E\\u066A\\u066D\\u0703-\\u070D\\u07F6\\u07F7\\u07F8\\u0964\\u0965\\u0E4F"
                    + "\\u1FBD\\u2016\\u2017\\u2020-\\u2023\\u2030-\\u2038\\u203B\\u203E-\\u2042\\u2044\\u207A-\\u207F"
                    + "\\u208A-\\u208E\\u2100-\\u214F\\u2190-\\u21FF\\u2200-\\u2BFF\\u3012\\u30FB\\uFF01-\\uFF0F"
                    + "\\uFF1A-\\uFF20\\uFF3B-\\uFF40\\uFF5B-\\uFF65]";
    private static final String FILENAME_EXT =
            "(?i:bat|bmp|class|cgi|cpp|dll|docx|doc|exe|gif|gz|html|htm|h|jar|java|jpeg|jpg|mov|mp3|pdf|php|pl|png"
                    + "|ppt|ps|py|sql|tar|txt|wav|xml|x|zip|c)";
    private static final String LD_ANY = "(?:" + LETTER + "|" + DIGIT + ")";

    /** What a rule does with its match. */
    private enum Action {
        TOKEN, // the matched text (soft hyphens removed)
        PUSHBACK, // the matched text less its last {@code arg} characters, which are scanned again
        SPACE_TO_NBSP, // the text with spaces made non-breaking (SGML, fractions)
        MDASH,
        AMP, // &amp; -> &
        QUOTE_RIGHT,
        QUOTE_LEFT,
        FRACTION_CHAR,
        CURRENCY,
        ACRONYM_SENTENCE_END,
        ABBREV_PERIOD_AGAIN, // the text with its period, then the period again as the next token
        ABBREV3,
        PHONE,
        SMILEY,
        CONSTANT, // a fixed token text
        HYPHENS,
        ELLIPSIS,
        SKIP,
        LINE_BREAK // the end of a caption's line (tokenizeNLs, as -preserveLines sets)
    }

    private static final class Rule {
        final Pattern pattern;
        final boolean trailing;
        final Action action;
        final String constant;
        final int pushback;

        Rule(String token, String trailingContext, Action action, String constant, int pushback) {
            this.trailing = trailingContext != null;
            this.pattern =
                    Pattern.compile(trailing ? "(" + token + ")(?:" + trailingContext + ")" : "(" + token + ")");
            this.action = action;
            this.constant = constant;
            this.pushback = pushback;
        }
    }

    private static Rule rule(String token, Action action) {
        return new Rule(token, null, action, "", 0);
    }

    private static Rule rule(String token, String trailing, Action action) {
        return new Rule(token, trailing, action, "", 0);
    }

    private static Rule constant(String token, String text) {
        return new Rule(token, null, Action.CONSTANT, text, 0);
    }

    private static Rule pushback(String token, int n) {
        return new Rule(token, null, Action.PUSHBACK, "", n);
    }

    /** The lexer's rules in the grammar's order (earlier wins a tie in length). */
    private static final ImmutableList<Rule> RULES =
            ImmutableList.of(
                    rule("(?i:c)\\+\\+", Action.TOKEN),
                    rule("(?i:c|f)#", Action.TOKEN),
                    pushback("(?i:cannot)", 3),
                    pushback("'(?i:twas)", 3),
                    pushback("'(?i:tis)", 2),
                    pushback("(?i:gonna|gotta|lemme|gimme|wanna)", 2),
                    rule(SGML, Action.SPACE_TO_NBSP),
                    rule("(?i:&(?:MD|mdash|ndash);)|[\\u0096\\u0097\\u2013\\u2014\\u2015]", Action.MDASH),
                    rule("(?i:&amp;)", Action.AMP),
                    rule("(?i:&(?:HT|TL|UR|LR|QC|QL|QR|odq|cdq|#[0-9]+);)", Action.TOKEN),
                    rule(WORD, REDAUX, Action.TOKEN),
                    rule(SWORD, SREDAUX, Action.TOKEN),
                    rule(WORD, Action.TOKEN),
                    rule(
                            "(?:" + APOS + "(?i:n)" + APOS + "?|[lLdDjJ]" + APOS + "|(?i:Dunkin|somethin|ol)" + APOS
                                    + "|" + APOS + "(?i:em)|[A-HJ-XZn]" + APOSETC + JLETTER + "{2,}|" + APOS
                                    + "[2-9]0(?i:s)|" + APOS + "(?i:till|til)|" + JLETTER + "+[aeiouyAEIOUY]" + APOSETC
                                    + "[aeiouA-Z]" + JLETTER + "*|" + APOS + "(?i:cause)|(?i:cont'd)\\.?"
                                    + "|(?i:'twas|nor'easter|c'mon|e'er|s'mores|ev'ry|li'l|nat'l)|(?i:O)" + APOSETC
                                    + "(?i:o))",
                            Action.TOKEN),
                    rule("(?i:y)" + APOS, JLETTER, Action.TOKEN),
                    rule(
                            "(?i:https?)://[^ \\t\\n\\f\\r\"<>|(){}]+[^ \\t\\n\\f\\r\"<>|.!?(){},-]",
                            Action.TOKEN),
                    rule(
                            "(?:(?i:www)\\.(?:[^ \\t\\n\\f\\r\"<>|.!?(){},]+\\.)+[a-zA-Z]{2,4}"
                                    + "|(?:[^ \\t\\n\\f\\r\"`'<>|.!?(){},-_$]+\\.)+(?i:com|net|org|edu))"
                                    + "(?:/[^ \\t\\n\\f\\r\"<>|()]+[^ \\t\\n\\f\\r\"<>|.!?(){},-])?",
                            Action.TOKEN),
                    rule(
                            "(?:(?i:&lt;)|<)?[a-zA-Z0-9][^ \\t\\n\\f\\r\"<>|()\\u00A0{}]*@"
                                    + "(?:[^ \\t\\n\\f\\r\"<>|(){}.\\u00A0]+\\.)*[^ \\t\\n\\f\\r\"<>|(){}.\\u00A0]+"
                                    + "(?:(?i:&gt;)|>)?",
                            Action.TOKEN),
                    rule("@[a-zA-Z_][a-zA-Z_0-9]*|#" + LETTER + "+", Action.TOKEN),
                    rule(REDAUX, "[^A-Za-z]", Action.QUOTE_RIGHT),
                    rule(SREDAUX, "[^A-Za-z]", Action.QUOTE_RIGHT),
                    rule(DIGIT + "{1,2}[\\-/]" + DIGIT + "{1,2}[\\-/]" + DIGIT + "{2,4}", Action.TOKEN),
                    rule("[\\-+]?" + NUM, Action.TOKEN),
                    rule(
                            "[\\u207A\\u207B\\u208A\\u208B]?(?:[\\u2070\\u00B9\\u00B2\\u00B3\\u2074-\\u2079]+"
                                    + "|[\\u2080-\\u2089]+)",
                            Action.TOKEN),
                    rule(
                            "(?:" + DIGIT + "{1,4}[- \\u00A0])?" + DIGIT + "{1,4}(?:\\\\?/|\\u2044)" + DIGIT + "{1,4}",
                            Action.SPACE_TO_NBSP),
                    rule("[\\u00BC\\u00BD\\u00BE\\u2153-\\u215E]", Action.FRACTION_CHAR),
                    rule(
                            "(?i:-(?:RRB|LRB|RCB|LCB|RSB|LSB)-|C\\.D\\.s|pro-|anti-|S(?:&amp;|&)P-500|S(?:&amp;|&)Ls)"
                                    + "|(?i:Cap)" + APOS + "(?i:n)|(?i:c)" + APOS + "(?i:est)",
                            Action.AMP),
                    rule(
                            "[A-Za-z0-9]+(?:-[A-Za-z]+){0,2}(?:\\\\?/[A-Za-z0-9]+(?:-[A-Za-z]+){0,2}){1,2}",
                            Action.TOKEN),
                    rule("[A-Z]*\\$|#", Action.TOKEN),
                    rule(
                            "[\\u00A2\\u00A3\\u00A4\\u00A5\\u0080\\u20A0\\u20AC\\u060B\\u0E3F\\u20A4\\uFFE0\\uFFE1"
                                    + "\\uFFE5\\uFFE6]",
                            Action.CURRENCY),
                    rule(
                            "(?=[A-Za-z.\\-]{1,13}\\.)" + ACRO + "\\.",
                            SPACENL + "+(?:About|According|Additionally|After|An|A|As|At|But|Earlier|He|Her|Here"
                                    + "|However|If|In|It|Last|Many|More|Mr\\.|Ms\\.|Now|Once|One|Other|Our|She|Since|So|Some"
                                    + "|Such|That|The|Their|Then|There|These|They|This|We|When|While|What|Yet|You|"
                                    + SGML + ")" + SPACENL,
                            Action.ACRONYM_SENTENCE_END),
                    rule(
                            "(?i:ca|figs|fig|prop|nos|no|art|bldg|pp|op)\\.",
                            SPACENL + "?\\p{javaDigit}",
                            Action.ABBREV3),
                    rule("(?:(?i:pt)[eyEY]|(?i:co))\\.", SPACE + "(?i:ltd|lim)", Action.TOKEN),
                    rule(ABBREV1, SPACENL + "(?:" + SPACENL + "|\\p{javaUpperCase}|" + SGML + ")", Action.ABBREV_PERIOD_AGAIN),
                    rule(ABBREV1, "[\\s\\S]{2}", Action.TOKEN),
                    rule(ABBREV1, Action.ABBREV_PERIOD_AGAIN),
                    rule("(?=[A-Za-z.\\-]{1,13}\\.)" + ABBREV4 + "\\.", Action.TOKEN),
                    rule("(?=[A-Za-z.\\-]{1,12}" + SPACE + ")" + ABBREV4, SPACE, Action.TOKEN),
                    rule(ACRO, SPACENL, Action.TOKEN),
                    rule(APOS + "[0-9][0-9]", SPACENL, Action.TOKEN),
                    rule(
                            LD_ANY + "++(?:[.]" + LD_ANY + "++)*[.]" + FILENAME_EXT,
                            "(?:" + SPACENL + "|[.?!,])",
                            Action.TOKEN),
                    rule(WORD + "\\.", "[,;:\\u3001]", Action.TOKEN),
                    rule(
                            "(?:\\([0-9]{2,3}\\)[ \\u00A0]?|(?:\\+\\+?)?(?:[0-9]{2,4}[\\- \\u00A0])?[0-9]{2,4}[\\- \\u00A0])"
                                    + "[0-9]{3,4}[\\- \\u00A0]?[0-9]{3,5}"
                                    + "|(?:(?:\\+\\+?)?[0-9]{2,4}\\.)?[0-9]{2,4}\\.[0-9]{3,4}\\.[0-9]{3,5}",
                            Action.PHONE),
                    rule(DBLQUOT, "[A-Za-z0-9$]", Action.QUOTE_LEFT),
                    rule(DBLQUOT, Action.QUOTE_RIGHT),
                    rule("\\x7f", Action.SKIP),
                    constant("<|(?i:&lt;)", "<"),
                    constant(">|(?i:&gt;)", ">"),
                    rule("[<>]?[:;=][\\-o*']?[()DPdpO\\\\{@|\\[\\]]", "[^A-Za-z0-9]", Action.SMILEY),
                    rule(
                            "[\\^x=~<>]\\.\\[\\^x=~<>\\]|[\\-\\^x=~<>']_[\\-\\^x=~<>']"
                                    + "|\\([\\-\\^x=~<>'][_.]?[\\-\\^x=~<>']\\)|\\([\\^x=~<>']-[\\^x=~<>'`]\\)",
                            Action.SMILEY),
                    constant("\\{", "-LCB-"),
                    constant("\\}", "-RCB-"),
                    constant("\\[", "-LSB-"),
                    constant("\\]", "-RSB-"),
                    constant("\\(", "-LRB-"),
                    constant("\\)", "-RRB-"),
                    rule("-+", Action.HYPHENS),
                    rule("\\.{3,5}|(?:\\.[ \\u00A0]){2,4}\\.|[\\u0085\\u2026]", Action.ELLIPSIS),
                    rule("@+|#+|_+", Action.TOKEN),
                    rule("\\*+|(?:\\\\\\*){1,3}", Action.TOKEN),
                    rule("[,;:\\u3001]", Action.TOKEN),
                    rule("[?!]+", Action.TOKEN),
                    rule("[.\\u00A1\\u00BF\\u037E\\u0589\\u061F\\u06D4\\u0700-\\u0702\\u07FA\\u3002]", Action.TOKEN),
                    rule("=", Action.TOKEN),
                    rule("/", Action.TOKEN),
                    rule(HTHING + "\\.", "[,;:\\u3001]", Action.TOKEN),
                    rule(HTHING, Action.TOKEN),
                    rule(THING + "\\.", "[,;:\\u3001]", Action.TOKEN),
                    rule(THING, Action.TOKEN),
                    rule(THINGA + "\\.", "[,;:\\u3001]", Action.AMP),
                    rule(THINGA, Action.AMP),
                    rule("'", "[A-Za-z][^ \\t\\n\\r\\u00A0]", Action.QUOTE_LEFT),
                    rule(REDAUX, Action.QUOTE_RIGHT),
                    rule(SREDAUX, Action.QUOTE_RIGHT),
                    rule(QUOTES, Action.QUOTE_RIGHT),
                    rule("<<|>>", Action.TOKEN),
                    rule(MISCSYMBOL, Action.TOKEN),
                    rule("\\x00|" + SPACE + "+|[\\u200B\\u200E\\u200F\\uFEFF]", Action.SKIP),
                    rule(NEWLINE, Action.LINE_BREAK),
                    rule("(?i:&nbsp;)", Action.SKIP));

    /** Below this, {@link #CAN_START} says which rules can match at a character. */
    private static final int TABLE_SIZE = 0x800;

    /**
     * For each character below {@link #TABLE_SIZE}, the rules that can start a match with it
     * (a rule fails on the one-character input without needing more text otherwise). Only a
     * speed-up: trying a rule that cannot match changes nothing.
     */
    private static final int[][] CAN_START = startTable();

    private static int[][] startTable() {
        int[][] table = new int[TABLE_SIZE][];
        Matcher[] matchers = new Matcher[RULES.size()];
        for (int c = 0; c < TABLE_SIZE; c++) {
            String one = String.valueOf((char) c);
            int[] rules = new int[RULES.size()];
            int count = 0;
            for (int r = 0; r < RULES.size(); r++) {
                Matcher m = matchers[r] == null ? RULES.get(r).pattern.matcher(one) : matchers[r].reset(one);
                matchers[r] = m;
                if (m.lookingAt() || m.hitEnd()) {
                    rules[count++] = r;
                }
            }
            table[c] = java.util.Arrays.copyOf(rules, count);
        }
        return table;
    }

    private static final int[] ALL_RULES = java.util.stream.IntStream.range(0, RULES.size()).toArray();

    private static final Pattern TRAILING_SPACE = Pattern.compile("[ \\t\\n\\u000B\\u000C\\r\\u0085]+$");

    /**
     * Tokens of the Stanford PTB lexer (original case) for a text whose lines are captions; a
     * {@code null} element marks each line break.
     */
    static List<@Nullable String> lex(String text) {
        List<@Nullable String> out = new ArrayList<>();
        Matcher[] matchers = new Matcher[RULES.size()];
        for (int r = 0; r < matchers.length; r++) {
            matchers[r] = RULES.get(r).pattern.matcher(text);
        }
        int pos = 0;
        int n = text.length();
        while (pos < n) {
            int best = -1;
            int bestLength = 0;
            char first = text.charAt(pos);
            for (int r : first < TABLE_SIZE ? CAN_START[first] : ALL_RULES) {
                Matcher m = matchers[r];
                m.region(pos, n);
                if (m.lookingAt() && m.end() - pos > bestLength) {
                    best = r;
                    bestLength = m.end() - pos;
                }
            }
            if (best < 0) {
                // JFlex's catch-all rule: an untokenizable character is deleted (16-bit units).
                pos++;
                continue;
            }
            Rule rule = RULES.get(best);
            Matcher m = matchers[best];
            String tok = text.substring(pos, m.end(1));
            Step step = act(rule, tok);
            if (step.lineBreak()) {
                out.add(null);
            } else if (step.text() != null) {
                out.add(step.text());
            }
            pos += Math.max(step.consumed(), 1);
        }
        return out;
    }

    /**
     * A caption as the 16-bit lexer sees it: the wrapper's newline replacement, other line
     * breaks as spaces (see the class comment), and each UTF-16 surrogate as a character no rule
     * matches, so that, as in JFlex, it is dropped and separates the tokens around it.
     */
    static String forLexer(String caption) {
        StringBuilder sb = new StringBuilder(caption.length());
        for (int i = 0; i < caption.length(); i++) {
            char c = caption.charAt(i);
            if (Character.isSurrogate(c)) {
                sb.append('\uFFFF');
            } else if (c == '\n' || c == '\r' || c == '\u2028' || c == '\u2029' || c == '\u000B' || c == '\u000C') {
                sb.append(' ');
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    private static String removeSoftHyphens(String in) {
        if (in.indexOf('\u00AD') < 0) {
            return in;
        }
        String out = in.replace("\u00AD", "");
        return out.isEmpty() ? "-" : out;
    }

    private static String latexQuotes(String in, boolean probablyLeft) {
        String s = in;
        if (probablyLeft) {
            s = s.replaceAll("&apos;|'", "`").replaceAll("\"|&quot;", "``");
        } else {
            s = s.replaceAll("&apos;|'", "'").replaceAll("\"|&quot;", "''");
        }
        return s.replaceAll("[\\u0091\\u2018\\u201B\\u2039]", "`")
                .replaceAll("[\\u0092\\u2019\\u203A]", "'")
                .replaceAll("[\\u0093\\u201C\\u00AB]", "``")
                .replaceAll("[\\u0094\\u201D\\u00BB]", "''");
    }

    /** What the lexer emits for one match: a token (or none), how much of the input it consumed, or a line break. */
    private record Step(@Nullable String text, int consumed, boolean lineBreak) {}

    /** An acronym or abbreviation that may end a sentence: its period may be scanned again as the next token. */
    private static Step abbreviation(Action action, String tok) {
        // The grammar trims whitespace the trailing context may have left in the token.
        String trimmed = TRAILING_SPACE.matcher(tok).replaceAll("");
        if (action == Action.ABBREV3) {
            return new Step(trimmed, trimmed.length(), false);
        } else if (trimmed.length() == 2) {
            return new Step(trimmed.substring(0, 1), 1, false); // "I." -> "I", the period comes next
        }
        return new Step(trimmed, trimmed.length() - 1, false); // "U.S." and, again, "." next
    }

    /** The rule's action on its matched text {@code tok}. */
    private static Step act(Rule rule, String tok) {
        int consumed = tok.length();
        @Nullable String emit;
        switch (rule.action) {
            case TOKEN:
                emit = removeSoftHyphens(tok);
                break;
            case PUSHBACK:
                consumed = tok.length() - rule.pushback;
                emit = tok.substring(0, consumed);
                break;
            case SPACE_TO_NBSP:
                emit = tok.replace(' ', '\u00A0');
                break;
            case MDASH:
                emit = "--";
                break;
            case AMP:
                emit = tok.replaceAll("(?i:&amp;)", "&");
                break;
            case QUOTE_RIGHT:
                emit = latexQuotes(tok, false);
                break;
            case QUOTE_LEFT:
                emit = latexQuotes(tok, true);
                break;
            case FRACTION_CHAR:
                emit =
                        tok.replace("\u00BC", "1/4")
                                .replace("\u00BD", "1/2")
                                .replace("\u00BE", "3/4")
                                .replace("\u2153", "1/3")
                                .replace("\u2154", "2/3");
                break;
            case CURRENCY:
                emit = tok.replace("\u00A2", "cents").replace("\u00A3", "#").replaceAll("[\\u0080\\u00A4\\u20A0\\u20AC]", "\\$");
                break;
            case ACRONYM_SENTENCE_END:
            case ABBREV3:
                return abbreviation(rule.action, tok);
            case ABBREV_PERIOD_AGAIN:
                emit = tok;
                consumed = tok.length() - 1;
                break;
            case PHONE:
                emit = tok.replace(' ', '\u00A0').replace("(", "-LRB-").replace(")", "-RRB-");
                break;
            case SMILEY:
                emit = tok.replace("(", "-LRB-").replace(")", "-RRB-");
                break;
            case CONSTANT:
                emit = rule.constant;
                break;
            case HYPHENS:
                emit = tok.length() >= 3 && tok.length() <= 4 ? "--" : tok;
                break;
            case ELLIPSIS:
                emit = "...";
                break;
            case SKIP:
                emit = null;
                break;
            case LINE_BREAK:
                return new Step(null, consumed, true);
            default:
                throw new AssertionError(rule.action);
        }
        return new Step(emit, consumed, false);
    }
}
