#include "test_text.h"
void text_suite_layers(void) {}
void text_suite_model(void) {}
