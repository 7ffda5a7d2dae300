package dev.flywheel.splitter.proxy;

/** {@link SplitterServiceTest}'s behaviour with the lean path off: the framework's {@code ProxyController} answers. */
class SplitterServiceFrameworkRouteTest extends SplitterServiceTest {
    @Override
    boolean fastPath() {
        return false;
    }
}
