"""Byte-exact decoding against vendor test vectors and documented formats, each one cited."""

from __future__ import annotations

import struct

import numpy as np
import pytest

from tracker.core.types import GRAVITY_M_S2 as G
from tracker.sensors.catalog import load_profiles
from tracker.sensors.decode import decode_hex, make_decoder
from tracker.sensors.decoders.nus_binary import CRC_TABLE, crc8
from tracker.sensors.decoders.polar import delta_samples, start_response

DEG = np.pi / 180


@pytest.fixture(scope="module")
def profiles():
    return load_profiles([])


def decode(profile, *payloads, **settings):
    out = decode_hex(profile, payloads, **settings)
    assert not out.bad_hex
    return out.result


# ------------------------------------------------------------------ MetaWear
# mbientlab/MetaWear-SDK-Cpp @ f67699e; the SDK compares CartesianFloat to 0.001.


def test_metawear_acc_vector(profiles):
    # test/test_accelerometer_bmi160.py TestBmi160AccelerationData, ±4 g
    r = decode(
        profiles["mbientlab-metamotion"],
        "03 04 16 c4 94 a2 2a d0",
        "13 05 00 00 00 00 00 00",
        acc_range=4,
    )
    np.testing.assert_allclose(r.block.acc[0] / G, [-1.872, -2.919, -1.495], atol=1e-3)


def test_metawear_gyro_vector(profiles):
    # test/test_gyro_bmi160.py test_rotation_data_handler, ±500 deg/s
    r = decode(
        profiles["mbientlab-metamotion"],
        "03 04 00 00 00 00 00 00",
        "13 05 3e 43 ff 7f 00 80",
        gyr_range=500,
    )
    np.testing.assert_allclose(r.block.gyr[0] / DEG, [262.409, 499.497, -499.512], atol=1e-3)


def test_metawear_packed_vectors_pair_into_three_samples(profiles):
    # test_accelerometer_bmi160.py TestBmi160HighFreqAccData (±8 g) and
    # test_gyro_bmi160.py TestGyroBmi160HighFreqDataHandler (±1000 deg/s)
    r = decode(
        profiles["mbientlab-metamotion"],
        "03 1c 62 b7 53 0d e9 fd 16 d0 4d 0e 57 02 8a ff a1 05 0a 01",
        "13 07 09 15 ad 26 08 de 8a 1a 0d 26 65 e4 8d 20 ac 27 73 ec",
        acc_range=8,
        gyr_range=1000,
    )
    expected_acc = [[-4.539, 0.833, -0.131], [-2.995, 0.894, 0.146], [-0.029, 0.352, 0.065]]
    expected_gyr = [
        [164.177, 301.860, -265.122],
        [207.134, 296.982, -215.457],
        [254.055, 309.634, -152.591],
    ]
    np.testing.assert_allclose(r.block.acc / G, expected_acc, atol=1e-3)
    np.testing.assert_allclose(r.block.gyr / DEG, expected_gyr, atol=1e-3)
    assert r.errors == () and np.isnan(r.device_t_s).all()


def test_metawear_battery_reply(profiles):
    # test/test_settings.py test_battery_state_data: 11 8c 63 34 10 -> 99 %, 4148 mV
    r = decode(profiles["mbientlab-metamotion"], "11 8c 63 34 10")
    assert r.battery_pct == 99 and len(r) == 0 and r.errors == ()


# ----------------------------------------------------------------- WitMotion
# WT901BLECL datasheet v20-0707 section 6.1.1 and device_model.py processData:
# acc = raw / 32768 * 16 g, gyro = raw / 32768 * 2000 deg/s, little-endian i16.


def test_witmotion_packet_formula(profiles):
    packet = "55 61 00 08 00 f8 00 40 00 08 00 c0 ff 7f 00 00 00 00 00 00"
    r = decode(profiles["witmotion-bwt901ble5"], packet)
    np.testing.assert_allclose(r.block.acc[0] / G, [1.0, -1.0, 8.0])
    np.testing.assert_allclose(r.block.gyr[0] / DEG, [125.0, -1000.0, 32767 / 32768 * 2000])


def test_witmotion_battery_and_other_register_replies(profiles):
    # DeviceModel.java: register 0x64 / 100 = volts; > 3.96 V is 100 %, > 3.73 V is 30 %,
    # > 3.70 V is 20 % (GetBatteryPercent)
    p = profiles["witmotion-bwt901ble5"]
    r = decode(p, "55 71 64 00 9c 01" + " 00" * 14)
    assert r.battery_v == pytest.approx(4.12) and r.battery_pct == 100
    assert decode(p, "55 71 64 00 76 01" + " 00" * 14).battery_pct == 30  # 3.74 V
    assert decode(p, "55 71 64 00 75 01" + " 00" * 14).battery_pct == 20  # 3.73 V
    magnetometer = decode(p, "55 71 3a 00" + " 11" * 16)  # other registers: no samples, no error
    assert len(magnetometer) == 0 and magnetometer.errors == ()


def test_witmotion_several_frames_in_one_notification(profiles):
    # DeviceModel.OnReceiveBle takes 20-byte frames while the buffer holds them
    frame = "55 61 00 08 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00"
    r = decode(profiles["witmotion-bwt901ble5"], frame + frame + "55 61 00")
    assert len(r) == 2
    assert r.errors == ("notification 1: 3 bytes at byte 40 where a frame has 20",)


# ------------------------------------------------------------ Nordic Thingy
# Nordic-Thingy52-FW m_motion.c: acc Q6.10 (raw / 1024 g), gyro Q11.5 (raw / 32 deg/s).


def test_thingy_raw_motion_formats(profiles):
    raw = struct.pack("<9h", 1024, 0, -512, 32, -64, 0, 16, 16, 16)
    r = decode(profiles["nordic-thingy52"], raw.hex())
    np.testing.assert_allclose(r.block.acc[0] / G, [1.0, 0.0, -0.5])
    np.testing.assert_allclose(r.block.gyr[0] / DEG, [1.0, -2.0, 0.0])
    # not the JS library's /64 (16 g at rest, Thingyjs issue #20)
    assert np.linalg.norm(r.block.acc[0]) < 2 * G


# --------------------------------------------------------- Science Journal
# Arduino_ScienceJournal "BLE_spec BLE Sense Firmware.txt": 3 x f32 LE, g and deg/s.


def test_science_journal_floats_need_their_channel(profiles):
    p = profiles["arduino-science-journal"]
    acc = struct.pack("<3f", 0.0, 0.0, 1.0).hex()
    gyr = struct.pack("<3f", 90.0, 0.0, -45.0).hex()
    r = decode(p, f"acc={acc}", f"gyr={gyr}")
    np.testing.assert_allclose(r.block.acc[0], [0, 0, G], rtol=1e-7)
    np.testing.assert_allclose(r.block.gyr[0] / DEG, [90, 0, -45], rtol=1e-6)
    ambiguous = decode(p, acc)
    assert len(ambiguous) == 0 and "give its channel" in ambiguous.errors[0]


# ----------------------------------------------------------------- Movesense
# GATTSensorDataClient.cpp (DATA 2, DATA_PART2 3 after 150 bytes) and DataUtils.java
# IMU6DataConverter: [2][ref][u32 ms][N x acc f32 xyz][N x gyr f32 xyz].


def _imu6(time_ms, acc, gyr):
    return (
        struct.pack("<I", time_ms)
        + np.asarray(acc, "<f4").tobytes()
        + np.asarray(gyr, "<f4").tobytes()
    )


def test_movesense_acc_block_then_gyro_block(profiles):
    acc = [[0.0, 0.0, 9.81], [0.1, 0.2, 9.7]]
    gyr = [[10.0, 0.0, 0.0], [0.0, -20.0, 0.0]]
    r = decode(profiles["movesense"], (bytes([2, 99]) + _imu6(123456, acc, gyr)).hex())
    np.testing.assert_allclose(r.block.acc, acc, rtol=1e-6)
    np.testing.assert_allclose(r.block.gyr / DEG, gyr, rtol=1e-6)
    # the timestamp is the first sample's; the next follows at the nominal 104 Hz
    np.testing.assert_allclose(r.device_t_s, [123.456, 123.456 + 1 / 104])


def test_movesense_continuation_and_results(profiles):
    p = profiles["movesense"]
    acc = np.arange(24.0).reshape(8, 3)
    sbem = _imu6(5000, acc, -acc)
    first, rest = bytes([2, 99]) + sbem[:150], bytes([3, 99]) + sbem[150:]
    r = decode(p, first.hex(), rest.hex())
    np.testing.assert_allclose(r.block.acc, acc)
    np.testing.assert_allclose(r.block.gyr, -acc * DEG)
    orphan = decode(p, rest.hex(), "01 63 f4 01", "01 63 c8 00")
    assert orphan.errors == (
        "notification 1: continuation without its first part",
        "notification 2: subscription refused: status 500",
    )
    # a first part followed by a new packet: the lost one is reported, the new one decoded
    r = decode(p, first.hex(), (bytes([2, 99]) + _imu6(6000, acc[:1], acc[:1])).hex())
    assert len(r) == 1 and r.errors == ("notification 2: a packet lost its continuation",)


# --------------------------------------------------------------------- Polar
# polarofficial/polar-ble-sdk @ 8fb5311, sources/Android/android-communications/library/
# src/test/java/com/polar/androidcommunications/api/ble/model/gatt/client/pmd/...

ACC_RAW_TYPE1_CONTENT = (  # model/AccDataTest.kt, `process acc raw data frame type 1`
    "f7ffffffe703f8fffeffe503f9ffffffe503faffffffe603fafffeffe603f9ffffffe503f8ffffffe603f8ff"
    "feffe603faffffffe503faffffffe703faffffffe503f8ffffffe603f7ffffffe603f8fffeffe603f9fffeff"
    "e703f9ff0000e603f9ffffffe603f7fffeffe503f9ffffffe503f9ffffffe503faff0000e603f9fffeffe603"
    "f8ffffffe603f8ffffffe503f9ffffffe603f9ffffffe503faffffffe603f9ffffffe503f9ffffffe503f8ff"
    "feffe603f9ffffffe603f9ffffffe603f9ff0000e503f9fffeffe603f8fffeffe603f7fffeffe603"
)
ACC_DELTA_TYPE0_CONTENT = (  # model/AccDataTest.kt, `process acc compressed data type 0`
    "7107f06a9e8d0a38be5cbeba2f96b3ee4be5adfb42b9ebbe4cfeba2f92bfee4be4b1fb12b9ecbd3c3ebb2f8f"
    "d3de4be3b5f7d2b8edbd307e7b2f8be3ce8be2baf7a2b8eebc20be7b2f88f3cecbe1bdef52f8efbc18fe3b2f"
    "8403bfcbe0c2ef32b8f0bb044ebc2e8113af0be0c6eff2f7f1b9fc7dbc2e7d279f4bdfcaebc2f7f2b8eccd7c"
    "2e7b378f4bdecee392f7f3b8e00dfd2d774b7fcbddd2df6237f5b7d44dbd2d745b6fcbdcd7d73237f6b5c88d"
    "7d2d716b4f4bdcdcd3f236f7b4bcddfd2c6f7b3f4bdbe0cfd236f8b2b02dbe2c6c8f1fcbdae3c7a276f9"
)
DELTA_MULTIBLOCK = (  # BlePmdClientParsersTest.kt, test_parseDeltaFrameAllSamples_multipleDeltas
    "c9ff12001100030941fe2b0f9c0bbf15004f00041ef1ef00f0c123e4edf4d1f1f1f5ff22de3100f1fe21021f"
    "0e2b1f00e220000e02e11e20fff1f102c5d002e0e102030a312efbba902baa0e23409e030414e3eff30f021f"
    "01e00f049e13e2d004e222e2c20e200f2002fe000f1c32ee030a890007087c00ce2fe83a9e03041e01001119"
    "4f002f12fd13ff0e100000f1c012e4ef21000001f1ffff0210102b510b4e31fc2ebf3114ec0e2f52ef030a06"
    "9e040e02a888eee0079a00040a1f211e4e2efec6c002ef030102ee11030af8130000f040bfa5e7007600"
)
# BlePmdClientParsersTest.kt, test_parseDeltaFrameAllSamples_withResolution32_realVector1
DELTA_FLOAT32 = (
    "0000803f000020410000a0411c060000a001000008cdccec0d000008cdccec3d33331acdccec3d33331a0000"
    "c03033331a0000c0a09999da0000c0a09999da6666a6a19999da6666a60100000e20036666a6010000e00042"
    "6c450e0000e000426c450e2bf8ed21000060fdbe93baf0939b4ccf1c060000a001000008cdccec0d000008cd"
    "ccec3d33331acdccec3d33331a0000c03033331a0000c0a09999da0000c0a09999da6666a6a19999da6666a6"
    "0100000e20036666a6010000e000426c450e0000e000426c450e2bf8ed21000060fdbe93baf0939b4ccf"
)
MG = G / 1000


def test_polar_raw_acc_frame_type1(profiles):
    # 36 samples in mG; the frame timestamp 2e9 ns belongs to the last sample
    r = decode(
        profiles["polar-verity-sense"],
        "02 00 94 35 77 00 00 00 00 01" + ACC_RAW_TYPE1_CONTENT,
        "05 00 94 35 77 00 00 00 00 80 00 00 00 00 00 00",
    )
    assert len(r) == 1  # only the gyro frame's single sample finds an acc partner
    decoder = make_decoder(profiles["polar-verity-sense"])
    frame = bytes.fromhex("02009435770000000001" + ACC_RAW_TYPE1_CONTENT)
    rows = decoder.parser.parse([frame], np.zeros(1), [""]).chunks()["acc"]
    np.testing.assert_allclose(rows.acc[:2] / MG, [[-9, -1, 999], [-8, -2, 997]])
    assert rows.counts.tolist() == [36] and rows.stamps.tolist() == [2_000_000_000]


def test_polar_delta_acc_type0_with_the_factor_from_the_start_response(profiles):
    p = profiles["polar-verity-sense"]
    decoder = make_decoder(p)
    factor = 2.44e-4  # the test's factor; type 0 is G x factor
    assert decoder.feed(start_response(2, factor), 0.0, "control").errors == ()
    frame = bytes.fromhex("02009435770000000080" + ACC_DELTA_TYPE0_CONTENT)
    chunk = decoder.parser.parse([frame], np.zeros(1), [""]).chunks()["acc"]
    ref = np.array([1905, 27376, -29282])
    sdk = np.trunc(np.float32(factor) * ref * np.float32(1000))  # the SDK's (f * s * 1000f).toInt()
    np.testing.assert_allclose(chunk.acc[0] / MG, sdk, atol=1.0)
    np.testing.assert_allclose(
        chunk.acc[1] / MG, (ref + np.array([190, -105, -85])) * factor * 1000, rtol=1e-6
    )
    assert len(chunk) == 57 and np.all(np.abs(chunk.acc / MG) <= 8000)


def test_polar_delta_acc_type1_and_gyro_types(profiles):
    p = profiles["polar-verity-sense"]
    parser = make_decoder(p).parser
    acc = parser.parse(
        [bytes.fromhex("02650000000000000081f1ff1400f00306017b0f08")], np.zeros(1), [""]
    ).chunks()["acc"]
    np.testing.assert_allclose(acc.acc / MG, [[-15, 20, 1008], [-20, 17, 1008]])
    parser.factor[5] = 1.0  # GyrDataTest.kt uses factor 1
    gyr = parser.parse(
        [bytes.fromhex("05ffffffffffffff7f80eaff08000d000301df00")], np.zeros(1), [""]
    ).chunks()["gyr"]
    np.testing.assert_allclose(gyr.gyr / DEG, [[-22, 8, 13], [-23, 11, 16]])
    floats = parser.parse(
        [bytes.fromhex("050094357700000000810000803f000020410000a0411c010000a001000008cdccec0d")],
        np.zeros(1),
        [""],
    ).chunks()["gyr"]
    bits = np.array([0x3F800000 + 0x1A00000, 0x41200000 + 0x0800000, 0x41A00000 + 0xFDECCCCD])
    bits &= 0xFFFFFFFF  # Kotlin Int arithmetic wraps
    np.testing.assert_allclose(floats.gyr[0] / DEG, [1.0, 10.0, 20.0])
    np.testing.assert_allclose(floats.gyr[1] / DEG, bits.astype("<u4").view("<f4"), rtol=1e-6)


def test_polar_delta_parser_vectors():
    samples = delta_samples(bytes.fromhex(DELTA_MULTIBLOCK), 3, 16)
    assert len(samples) == 1 + 9 + 30 + 10 + 20 + 10 + 30 + 10 + 10 + 10
    assert samples[:2].tolist() == [[-55, 18, 17], [-54, 18, 18]]
    floats = delta_samples(bytes.fromhex(DELTA_FLOAT32), 3, 32)
    assert len(floats) == 1 + 6 + 3 + 6 + 3
    assert floats[1].tolist() == [
        0x3F800000 + 0x1A00000,
        0x41200000 + 0x0800000,
        (0x41A00000 + 0xFDECCCCD) & 0xFFFFFFFF,
    ]


def test_polar_start_response_factor_and_refusal(profiles):
    # BlePmdClientTest.kt: FACTOR(5), count 1, f32 2.5 in a start response updates the factor
    decoder = make_decoder(profiles["polar-verity-sense"])
    assert decoder.feed(start_response(5, 2.5), 0.0, "control").errors == ()
    assert decoder.parser.factor[5] == 2.5
    refused = decoder.feed(bytes.fromhex("f0 02 02 06 00"), 0.0, "control")
    assert refused.errors == ("start of ACC refused: error 6",)


def test_polar_last_sample_timestamps_follow_the_sdk(profiles):
    # PmdTimeStampUtils.kt: the last sample has the frame time; earlier ones are spread
    # evenly from the previous frame's time (or 1/rate for the first frame)
    parser_free = make_decoder(profiles["polar-verity-sense"])
    content = bytes.fromhex(ACC_RAW_TYPE1_CONTENT)
    t1 = 2_000_000_000
    t2 = t1 + round(36 / 52.01 * 1e9)  # a clock 0.02 % fast
    frames = [bytes([2]) + struct.pack("<Q", t) + b"\x01" + content for t in (t1, t2)]
    times = [parser_free.timeline.place("acc", *_chunk(parser_free, f)) for f in frames]
    first, second = times
    np.testing.assert_allclose(first.device_t_s[-1], 2.0)
    np.testing.assert_allclose(np.diff(first.device_t_s), 1 / 52)
    np.testing.assert_allclose(second.device_t_s[-1], t2 * 1e-9)
    np.testing.assert_allclose(np.diff(second.device_t_s), (t2 - t1) * 1e-9 / 36)
    np.testing.assert_allclose(second.device_t_s[0], (t1 + (t2 - t1) / 36) * 1e-9)


def _chunk(decoder, frame):
    c = decoder.parser.parse([frame], np.zeros(1), [""]).chunks()["acc"]
    return c.t_rx_s, c.counts, c.stamps


# ------------------------------------------------------------ the DIY frames


def _crc8_bitwise(data: bytes) -> int:
    """CRC-8/MAXIM-DOW bit by bit (reflected 0x31 = 0x8C, init 0, no final xor)."""
    crc = 0
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x8C if crc & 1 else crc >> 1
    return crc


def test_crc8_maxim_catalogue_check_value():
    # reveng CRC catalogue: CRC-8/MAXIM-DOW check("123456789") = 0xA1
    assert crc8(np.frombuffer(b"123456789", np.uint8)[None, :])[0] == 0xA1
    assert all(CRC_TABLE[i] == _crc8_bitwise(bytes([i])) for i in range(256))


def test_nus_binary_documented_example(profiles):
    # docs/firmware-profiles.md: seq 1, t_us 1 000 000, one sample
    body = struct.pack("<BHI6h", 0xA5, 1, 1_000_000, 2048, 0, -2048, 164, 0, -164)
    frame = body + bytes([_crc8_bitwise(body)])
    assert frame.hex(" ") == "a5 01 00 40 42 0f 00 00 08 00 00 00 f8 a4 00 00 00 5c ff c4"
    r = decode(profiles["nus-binary"], frame.hex())
    np.testing.assert_allclose(r.block.acc[0] / G, [1, 0, -1])
    np.testing.assert_allclose(r.block.gyr[0] / DEG, [10, 0, -10])
    assert r.device_t_s.tolist() == [1.0]
    bad = decode(profiles["nus-binary"], frame[:-1].hex() + "00")
    assert len(bad) == 0 and "bad sync byte or CRC" in bad.errors[0]


def test_nus_csv_lines_split_and_joined(profiles):
    text = b"t_ms,ax,ay,az,gx,gy,gz\n1000,0,0,1,0,0,90\n1010,0.5,0,1,0,0,-90\n1020,0,0,1,"
    parts = [text[:30], text[30:47], text[47:], b"0,0,0\n# a comment\n\n"]
    r = decode(profiles["nus-csv"], *[p.hex() for p in parts])
    assert r.errors == ()
    np.testing.assert_allclose(r.device_t_s, [1.0, 1.01, 1.02])
    np.testing.assert_allclose(r.block.acc / G, [[0, 0, 1], [0.5, 0, 1], [0, 0, 1]])
    np.testing.assert_allclose(r.block.gyr[:, 2] / DEG, [90, -90, 0])
    bad = decode(profiles["nus-csv"], b"1030,0,0,x,0,0,0\n1040,0,0\n".hex())
    assert len(bad) == 0 and len(bad.errors) == 2
