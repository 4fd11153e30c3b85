package dev.mmpeft.core.train.schedule;

import java.util.Map;

/**
 * A learning-rate schedule: the rate of the next optimizer step as a pure function of the base
 * rate and the run's position. Ready-made ones are in {@link Schedules}.
 */
public interface LrSchedule {
    /** The learning rate for the step at {@code position}, given the optimizer's base rate. */
    double lr(double baseLr, SchedulePosition position);

    /** The schedule's name and settings, for provenance and logs. */
    Map<String, Object> describe();
}
