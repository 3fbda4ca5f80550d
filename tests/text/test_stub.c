#include "test_text.h"
void text_suite_model(void) {}
