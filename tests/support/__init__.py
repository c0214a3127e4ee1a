"""Test helpers: throwaway servers, real RQ workers, a browser, factories and fakes."""
