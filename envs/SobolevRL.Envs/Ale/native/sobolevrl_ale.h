/*
 * SobolevRL's C interface to the Arcade Learning Environment (ALE).
 *
 * ALE exports only C++ symbols; this small shim wraps one ale::ALEInterface behind an opaque handle so that
 * C# (or any C caller) can drive it. Rules of the interface:
 *   - No C++ exception crosses it: every function catches everything and returns a status code
 *     (SOBOLEVRL_ALE_OK or a negative SOBOLEVRL_ALE_E_* value). The message of the last failure on the calling
 *     thread is available from sobolevrl_ale_last_error().
 *   - A ROM is checked with ALE's isSupportedROM before it is loaded, because ALE's loadROM ends the process
 *     (std::exit) on a ROM it does not know.
 *   - Settings are fixed at creation (ALE reads them when the ROM is loaded). Frame skip should stay 1: SobolevRL
 *     skips frames itself so that it can max-pool the last two.
 *   - Screens are written into caller-owned buffers; nothing the caller receives must be freed, except the
 *     handle itself (sobolevrl_ale_destroy).
 */
#ifndef SOBOLEVRL_ALE_H
#define SOBOLEVRL_ALE_H

#include <stddef.h>
#include <stdint.h>

#if defined(_WIN32)
#define SOBOLEVRL_ALE_API __declspec(dllexport)
#else
#define SOBOLEVRL_ALE_API __attribute__((visibility("default")))
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* Version of this interface (2 added sobolevrl_ale_reset_seeded); the C# binding accepts versions 1 and 2. */
#define SOBOLEVRL_ALE_ABI_VERSION 2

/* Status codes. */
#define SOBOLEVRL_ALE_OK 0
#define SOBOLEVRL_ALE_E_FAILED (-1)          /* ALE raised an error; see sobolevrl_ale_last_error */
#define SOBOLEVRL_ALE_E_ARGUMENT (-2)        /* a null pointer or a value out of range */
#define SOBOLEVRL_ALE_E_ROM_NOT_FOUND (-3)   /* the ROM file does not exist */
#define SOBOLEVRL_ALE_E_ROM_UNSUPPORTED (-4) /* ALE does not know the ROM (its MD5 matches no supported game) */
#define SOBOLEVRL_ALE_E_BUFFER_SIZE (-5)     /* a caller buffer has the wrong length */
#define SOBOLEVRL_ALE_E_MODE (-6)            /* the game has no such mode or difficulty */

/* Largest ALE action id (PLAYER_A_DOWNLEFTFIRE); the legal action set is 0..17. */
#define SOBOLEVRL_ALE_MAX_ACTION 17

typedef struct sobolevrl_ale sobolevrl_ale;

/* Everything ALE reads when it loads a ROM. mode/difficulty < 0 mean the game's default. */
typedef struct sobolevrl_ale_settings {
  int32_t random_seed;                /* seed of ALE's generator (sticky actions); >= 0 */
  float repeat_action_probability;    /* probability in [0, 1] that a frame repeats the previous action */
  int32_t frame_skip;                 /* frames per act call; SobolevRL passes 1 */
  int32_t max_num_frames_per_episode; /* truncation limit in frames; 0 for none */
  int32_t mode;                       /* game mode, or -1 for the default */
  int32_t difficulty;                 /* game difficulty, or -1 for the default */
} sobolevrl_ale_settings;

SOBOLEVRL_ALE_API int32_t sobolevrl_ale_abi_version(void);

/* Message of the last failure on this thread ("" if none). Valid until the next failing call on this thread. */
SOBOLEVRL_ALE_API const char* sobolevrl_ale_last_error(void);

/* Writes ALE's version string (NUL-terminated, truncated to capacity) into buffer. */
SOBOLEVRL_ALE_API int32_t sobolevrl_ale_version_string(char* buffer, int32_t capacity);

/* Checks a ROM file: 1 and its game id (e.g. "breakout", NUL-terminated) in game_id when ALE supports it,
   0 when not, a negative status on error (missing file, small buffer). */
SOBOLEVRL_ALE_API int32_t sobolevrl_ale_is_supported_rom(const char* rom_path, char* game_id, int32_t capacity);

/* Creates an emulator with settings and loads the ROM (refused unless supported). */
SOBOLEVRL_ALE_API int32_t sobolevrl_ale_create(const char* rom_path, const sobolevrl_ale_settings* settings,
                                               sobolevrl_ale** out);

SOBOLEVRL_ALE_API void sobolevrl_ale_destroy(sobolevrl_ale* ale);

/* Re-seeds ALE's generator: reloads the ROM with the new seed and the creation's other settings. */
SOBOLEVRL_ALE_API int32_t sobolevrl_ale_reseed(sobolevrl_ale* ale, int32_t random_seed);

/* Starts a new episode with a new seed for ALE's generator: the emulator ends in the same state as after
   sobolevrl_ale_reseed(random_seed) followed by sobolevrl_ale_reset_game (Gymnasium's seeded reset), but without
   reloading the ROM when loading it drew nothing from ALE's generator (every game but one that picks its mode at
   random): the state right after the last load is restored and the generator seeded. (Since ABI version 2.) */
SOBOLEVRL_ALE_API int32_t sobolevrl_ale_reset_seeded(sobolevrl_ale* ale, int32_t random_seed);

/* Action sets as ALE action ids: minimal != 0 for the game's minimal set, else the full legal set (18).
   *count receives the size; at most capacity ids are written. */
SOBOLEVRL_ALE_API int32_t sobolevrl_ale_action_set(sobolevrl_ale* ale, int32_t minimal, int32_t* actions,
                                                   int32_t capacity, int32_t* count);
SOBOLEVRL_ALE_API int32_t sobolevrl_ale_available_modes(sobolevrl_ale* ale, int32_t* modes, int32_t capacity,
                                                        int32_t* count);
SOBOLEVRL_ALE_API int32_t sobolevrl_ale_available_difficulties(sobolevrl_ale* ale, int32_t* difficulties,
                                                               int32_t capacity, int32_t* count);

/* Emulates frame_skip frames with ALE action id `action` (0..17); *reward receives the game's reward. */
SOBOLEVRL_ALE_API int32_t sobolevrl_ale_act(sobolevrl_ale* ale, int32_t action, int32_t* reward);

/* 1 when the game reached a terminal state (with_truncation != 0: or the frame limit), 0 if not, < 0 on error. */
SOBOLEVRL_ALE_API int32_t sobolevrl_ale_game_over(sobolevrl_ale* ale, int32_t with_truncation);
/* 1 when the episode hit max_num_frames_per_episode, 0 if not, < 0 on error. */
SOBOLEVRL_ALE_API int32_t sobolevrl_ale_game_truncated(sobolevrl_ale* ale);
/* Lives left (>= 0), or < 0 on error. */
SOBOLEVRL_ALE_API int32_t sobolevrl_ale_lives(sobolevrl_ale* ale);
/* Frames since the ROM was loaded, or < 0 on error. */
SOBOLEVRL_ALE_API int32_t sobolevrl_ale_frame_number(sobolevrl_ale* ale);
/* Frames since the episode started, or < 0 on error. */
SOBOLEVRL_ALE_API int32_t sobolevrl_ale_episode_frame_number(sobolevrl_ale* ale);

SOBOLEVRL_ALE_API int32_t sobolevrl_ale_reset_game(sobolevrl_ale* ale);

SOBOLEVRL_ALE_API int32_t sobolevrl_ale_screen_size(sobolevrl_ale* ale, int32_t* height, int32_t* width);
/* Writes the screen as height*width grey levels (ALE's palette luminance), row-major. */
SOBOLEVRL_ALE_API int32_t sobolevrl_ale_screen_grayscale(sobolevrl_ale* ale, uint8_t* buffer, size_t length);
/* Writes the screen as height*width*3 bytes, row-major, R G B interleaved per pixel. */
SOBOLEVRL_ALE_API int32_t sobolevrl_ale_screen_rgb(sobolevrl_ale* ale, uint8_t* buffer, size_t length);

/* Native baseline for the binding's overhead: steps `frames` frames with uniformly random actions of the minimal
   set (a xorshift generator seeded with `seed`), through the same functions as above (act, game_over, and with
   grayscale != 0 also screen_grayscale each frame), resetting when the game is over. Writes frames per second of
   wall-clock time into *frames_per_second. */
SOBOLEVRL_ALE_API int32_t sobolevrl_ale_benchmark(sobolevrl_ale* ale, int64_t frames, uint64_t seed,
                                                  int32_t grayscale, double* frames_per_second);

#ifdef __cplusplus
}
#endif

#endif /* SOBOLEVRL_ALE_H */
