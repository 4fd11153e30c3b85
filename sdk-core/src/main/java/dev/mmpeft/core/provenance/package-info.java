/**
 * Run provenance: what produced a checkpoint (config, data, seed, model id and hash, SDK, DJL and
 * PyTorch versions, times, final metrics), written as JSON beside it, as Tribuo's provenance
 * does, so any artefact can be traced back to the run that made it.
 */
@NullMarked
@MmpeftStyle
package dev.mmpeft.core.provenance;

import dev.mmpeft.core.MmpeftStyle;
import org.jspecify.annotations.NullMarked;
