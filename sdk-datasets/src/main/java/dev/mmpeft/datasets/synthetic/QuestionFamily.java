package dev.mmpeft.datasets.synthetic;

import java.util.Arrays;
import java.util.List;

/**
 * A kind of question the generator asks about a scene, with its answer vocabulary and the
 * metadata it files records under (ScienceQA subject/topic/category/skill, IconQA skill), so the
 * official accuracy breakdowns (NAT/SOC/LAN, per skill) have several non-empty groups.
 */
public enum QuestionFamily {
    /** One shape; "What color is the shape?" over six colours. */
    COLOR("What color is the shape?", words(ShapeColor.values()), "natural science", "colors", "Colors",
            "Identify the color of a shape", "scene", "C1",
            "Every shape in these pictures has one color: red, green, blue, yellow, purple or orange."),
    /** One shape; "Which shape is in the picture?" over circle, square, triangle, star. */
    SHAPE("Which shape is in the picture?", words(ShapeKind.values()), "language science", "vocabulary", "Shapes",
            "Name a shape", "geometry", "G1", "A circle is round, a square has four equal sides, a triangle has three"
                    + " sides and a star has five points."),
    /** One to five equal shapes; "How many shapes are there?". */
    COUNT("How many shapes are there?", List.of("1", "2", "3", "4", "5"), "social science", "counting", "Counting",
            "Count shapes", "counting", "N1", "To count shapes, point at each shape once and say the next number."),
    /** One shape near an edge; "Where is the shape?" over left, right, top, bottom. */
    POSITION("Where is the shape?", List.of("left", "right", "top", "bottom"), "social science", "geography",
            "Directions", "Find where a shape is", "spatial", "P1",
            "A picture has a left side, a right side, a top and a bottom."),
    /** One big or small shape; "Is the shape big or small?". */
    SIZE("Is the shape big or small?", List.of("big", "small"), "natural science", "units-and-measurement", "Sizes",
            "Compare sizes", "comparing", "Z1", "A big shape fills most of the picture; a small one fills little of it."),
    /** The shifted task: one shape; "Which thing has the same color as the shape?" over cherry, leaf, sea, ... */
    COLOR_MATCH("Which thing has the same color as the shape?", things(), "natural science", "colors",
            "Color matching", "Match a color to a thing", "commonsense", "M1",
            "Things have colors too: cherries, leaves, the sea, bananas, grapes and carrots.");

    private final String question;
    private final List<String> values;
    private final String subject;
    private final String topic;
    private final String category;
    private final String skill;
    private final String iconQaSkill;
    private final String label;
    private final String lecture;

    QuestionFamily(String question, List<String> values, String subject, String topic, String category, String skill,
            String iconQaSkill, String label, String lecture) {
        this.question = question;
        this.values = values;
        this.subject = subject;
        this.topic = topic;
        this.category = category;
        this.skill = skill;
        this.iconQaSkill = iconQaSkill;
        this.label = label;
        this.lecture = lecture;
    }

    /** The question text. */
    public String question() {
        return question;
    }

    /** Every possible answer, in a fixed order. */
    public List<String> answers() {
        return values;
    }

    /** ScienceQA subject ({@code natural science}, {@code social science}, {@code language science}). */
    public String subject() {
        return subject;
    }

    public String topic() {
        return topic;
    }

    public String category() {
        return category;
    }

    public String skill() {
        return skill;
    }

    /** The IconQA skill name (pid2skills.json). */
    public String iconQaSkill() {
        return iconQaSkill;
    }

    /** The IconQA {@code label} field. */
    public String label() {
        return label;
    }

    /** The short background text written as the record's lecture (never gives the answer away). */
    public String lecture() {
        return lecture;
    }

    private static List<String> words(Enum<?>[] values) {
        return Arrays.stream(values).map(v -> v instanceof ShapeColor c ? c.word() : ((ShapeKind) v).word()).toList();
    }

    private static List<String> things() {
        return Arrays.stream(ShapeColor.values()).map(ShapeColor::thing).toList();
    }
}
