package dev.mmpeft.spark.internal;

import dev.mmpeft.core.Prompt;
import dev.mmpeft.core.eval.Prediction;
import dev.mmpeft.spark.SparkJobException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The rows the Spark jobs exchange: rendered prompts going out to executors and predictions coming
 * back. Why rows and not the SDK's values: Spark moves rows (and writes them as Parquet) without
 * the SDK's types having to be serializable.
 */
public final class Rows {
    /** {@code id, images: array<string>, instruction, input, candidates: array<string>} (one row per prompt). */
    public static final StructType PROMPT_SCHEMA = new StructType(new StructField[] {
        DataTypes.createStructField("id", DataTypes.StringType, false),
        DataTypes.createStructField("images", DataTypes.createArrayType(DataTypes.StringType, false), false),
        DataTypes.createStructField("instruction", DataTypes.StringType, false),
        DataTypes.createStructField("input", DataTypes.StringType, false),
        DataTypes.createStructField("candidates", DataTypes.createArrayType(DataTypes.StringType, false), false),
    });

    /** {@code id, choice_index: int (null for text answers), text: string (null for choices)}. */
    public static final StructType PREDICTION_SCHEMA = new StructType(new StructField[] {
        DataTypes.createStructField("id", DataTypes.StringType, false),
        DataTypes.createStructField("choice_index", DataTypes.IntegerType, true),
        DataTypes.createStructField("text", DataTypes.StringType, true),
    });

    private Rows() {}

    /** A prompt as a row of {@link #PROMPT_SCHEMA}. */
    public static Row prompt(Prompt p) {
        return RowFactory.create(p.exampleId(), p.images().stream().map(Path::toString).toList().toArray(new String[0]),
                p.instruction(), p.input(), p.candidates().toArray(new String[0]));
    }

    /** A row of {@link #PROMPT_SCHEMA} as a prompt. */
    public static Prompt prompt(Row r) {
        List<Path> images = new ArrayList<>();
        for (Object o : r.getList(1)) {
            images.add(Path.of(String.valueOf(o)));
        }
        List<String> candidates = new ArrayList<>();
        if (!r.isNullAt(4)) {
            for (Object o : r.getList(4)) {
                candidates.add(String.valueOf(o));
            }
        }
        return Prompt.builder().exampleId(r.getString(0)).images(images).instruction(r.getString(2)).input(r.getString(3))
                .candidates(candidates).build();
    }

    /** A prediction as a row of {@link #PREDICTION_SCHEMA}. */
    public static Row prediction(Prediction p) {
        return RowFactory.create(p.exampleId(), p.choiceIndex().isPresent() ? p.choiceIndex().getAsInt() : null,
                p.text().orElse(null));
    }

    /** A row of {@link #PREDICTION_SCHEMA} as a prediction. */
    public static Prediction prediction(Row r) {
        Prediction.Builder b = Prediction.builder().exampleId(r.getString(0));
        if (!r.isNullAt(1)) {
            b.choiceIndex(r.getInt(1));
        }
        if (!r.isNullAt(2)) {
            b.text(r.getString(2));
        }
        return b.build();
    }

    /** Checks that {@code schema} has {@code column} of {@code type}; the message names both and what it found. */
    public static void requireColumn(StructType schema, String column, org.apache.spark.sql.types.DataType type, String what) {
        StructField field = null;
        for (StructField f : schema.fields()) {
            if (f.name().equals(column)) {
                field = f;
            }
        }
        if (field == null) {
            throw new SparkJobException(what + ": no column '" + column + "'; expected a " + type.simpleString()
                    + " column, found columns " + List.of(schema.fieldNames()));
        }
        if (!field.dataType().equals(type)) {
            throw new SparkJobException(what + ": column '" + column + "' is " + field.dataType().simpleString()
                    + "; expected " + type.simpleString());
        }
    }
}
