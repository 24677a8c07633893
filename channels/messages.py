"""Citizen-facing texts the channel layer sends itself, outside any Rasa turn.

Why here and not in the domain: these are sent *instead of* a turn (the sender is over the rate
limit, a group chat, an unreadable message), so no Rasa action runs and Rasa's validator would
flag them as unused responses. Everything a turn says lives in the domain. All texts are GSM-7
so the same words work on SMS.
"""

RATE_LIMITED = (
    "Mohon maaf, Anda mengirim terlalu banyak pesan dalam waktu singkat. "
    "Silakan tunggu sekitar satu menit, lalu kirim pesan Anda lagi."
)
GROUP_CHAT_REFUSED = (
    "Mohon maaf, Layani hanya melayani percakapan pribadi agar data Anda terlindungi. "
    "Silakan kirim pesan langsung kepada saya."
)
UNSUPPORTED_CONTENT = (
    "Mohon maaf, jenis pesan ini belum bisa saya baca. Silakan kirim teks, foto, atau lokasi."
)
CONTACT_NOT_OWN = (
    "Mohon maaf, saya hanya bisa menerima nomor telepon Anda sendiri. "
    "Gunakan tombol bagikan kontak dari akun Anda."
)
EDITED_IGNORED = (
    "Pesan yang diubah tidak saya proses ulang. Silakan kirim pesan baru bila ada yang ingin "
    "diperbaiki."
)
MENU_CHOICE_UNKNOWN = "Nomor pilihan tidak ada. Balas MENU untuk melihat pilihan."
TOO_LONG = (
    "Mohon maaf, pesan Anda terlalu panjang untuk saya proses (paling banyak {limit} huruf). "
    "Silakan kirim dalam beberapa pesan yang lebih pendek."
)
BUSY = "Mohon maaf, layanan sedang sibuk. Silakan coba lagi sebentar."
