/**
 * A BERT encoder built from the Q-Former's layer classes, under transformers' {@code BertModel}
 * names; used to check those layers against real BERT checkpoints.
 */
@NullMarked
package dev.mmpeft.models.bert;

import org.jspecify.annotations.NullMarked;
