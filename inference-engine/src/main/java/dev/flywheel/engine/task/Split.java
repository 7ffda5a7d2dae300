package dev.flywheel.engine.task;

/** Which side of the stable train / held-out partition a problem falls on. */
public enum Split { TRAIN, HELD_OUT }
