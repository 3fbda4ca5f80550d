/* test_text.h - shared declarations of the text CUnit suites (issue 9). */
#ifndef TEST_TEXT_H
#define TEST_TEXT_H
#include <CUnit/CUnit.h>
void text_suite_corpus(void);
void text_suite_layers(void);
void text_suite_model(void);
void text_suite_cli(void);
void text_suite_mlm(void);
#endif
