// The plugin world (../wit/plugin.wit) in C, against the bindings that
// `wit-bindgen c` writes to bindings/.
//
// Ownership, as the bindings define it: an export's arguments belong to the
// export, which frees them; its results are heap memory that the generated
// cabi_post_* functions free once the host has read them. An import's
// arguments stay the caller's.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plugin.h"

static bool is_space(uint8_t c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

// A byte that starts a UTF-8 sequence (not a continuation byte) starts a character.
static bool starts_char(uint8_t c) { return (c & 0xC0) != 0x80; }

static void copy(plugin_string_t *ret, const uint8_t *data, size_t len) {
    ret->ptr = len ? malloc(len) : NULL;
    ret->len = len;
    memcpy(ret->ptr, data, len);
}

void exports_example_plugin_text_analyze(plugin_string_t *text, exports_example_plugin_text_stats_t *ret) {
    uint32_t words = 0, chars = 0;
    size_t longest_start = 0, longest_len = 0, longest_chars = 0;
    size_t i = 0;
    while (i < text->len) {
        if (is_space(text->ptr[i])) {
            chars++;
            i++;
            continue;
        }
        size_t start = i, word_chars = 0;
        for (; i < text->len && !is_space(text->ptr[i]); i++) {
            word_chars += starts_char(text->ptr[i]);
        }
        words++;
        chars += word_chars;
        if (word_chars > longest_chars) {
            longest_start = start;
            longest_len = i - start;
            longest_chars = word_chars;
        }
    }
    ret->words = words;
    ret->chars = chars;
    copy(&ret->longest, text->ptr + longest_start, longest_len);

    char line[64];
    snprintf(line, sizeof line, "analyze: %u words", (unsigned)words);
    plugin_string_t message;
    plugin_string_set(&message, line);
    example_plugin_host_log(&message);

    plugin_string_free(text);
}

bool exports_example_plugin_text_shout(plugin_string_t *text, plugin_string_t *ret, plugin_string_t *err) {
    if (text->len == 0) {
        plugin_string_dup(err, "nothing to shout");
        return false;
    }
    copy(ret, text->ptr, text->len);
    for (size_t i = 0; i < ret->len; i++) {
        if (ret->ptr[i] >= 'a' && ret->ptr[i] <= 'z') {
            ret->ptr[i] -= 'a' - 'A';
        }
    }
    plugin_string_free(text);
    return true;
}
